"""The read stage: a trained cross-encoder scores each candidate sentence for a question
(does it answer? where is the answer inside it?). See ``index/read/model/MODEL_CARD.md``."""
