"""What of an article a language model may read: normalised text, and no sentence that orders.

Article text reaches the model as data, but the model reads it as text: a sentence that tells
"the user" or "the assistant" what to do, or sends the reader to a link, can steer it, however
it is disguised. So the text sent is ``clean`` (NFKC, format characters such as zero-width and
bidi controls removed, so the model reads what the check read), and ``is_injection`` judges a
sentence on ``fold`` of it: also with combining marks dropped and Cyrillic/Greek look-alike
letters mapped to Latin ("Ignоre" with a Cyrillic о), for the check only. A withheld sentence
costs little: the model just cannot choose it; the offline answer is unaffected.
"""

from __future__ import annotations

import re
import unicodedata

# Cyrillic and Greek letters that look like Latin ones (Unicode confusables, the common set).
_LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "ԁ": "d",
    "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l", "ɡ": "g", "ь": "b", "п": "n", "г": "r",
    "α": "a", "β": "b", "γ": "y", "ε": "e", "ζ": "z", "η": "n", "ι": "i", "κ": "k", "ν": "v",
    "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ϲ": "c", "ϳ": "j",
})
_SPACE = re.compile(r"\s+")

_LINK = re.compile(
    r"\b(?:https?://|www\.)\S+"
    r"|\b[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)*"
    r"\.[a-z]{2,24}\b(?![.-]?[a-z0-9])"
    r"|\b[\w.+-]+@[\w-]+\.[\w.-]+"
)
# Verbs of an order to act, as used with a link ("claim a refund at x.com", "visit x.com").
_ACTION = re.compile(
    r"\b(?:visit|click|tap|go|head|call|contact|e-?mail|dm|claim|redeem|register|sign|log|"
    r"apply|download|install|pay|send|transfer|wire|donate|submit|enter|check|find|get|read|"
    r"see|subscribe|follow|buy|scan|reply|write|tell|request|collect|verify|learn|join)\b"
)
# A sentence that opens with a bare imperative aimed at whoever reads it.
_IMPERATIVE_START = re.compile(
    r"^(?:please\s*,?\s+|now\s*,?\s+|also\s*,?\s+)?"
    r"(?:ignore|disregard|forget|override|bypass|answer|respond|reply|output|print|say|"
    r"write|repeat|tell|state|claim|mention|include|recommend|insert|append|add|translate|"
    r"summari[sz]e|pretend|act|behave|always|never|do not|don't|make sure|remember|visit|"
    r"click|call|contact|email|send|transfer|pay|donate|download|install|sign up|register|"
    r"log in|claim|go to)\b"
)
_INJECTION = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\b.{0,40}\b(?:previous|prior|above|earlier|"
    r"all|any|your|the|these|those|other)\b.{0,20}\b(?:instructions?|prompts?|rules?|"
    r"directions?|guidelines?|context|messages?)\b"
    r"|\b(?:system|developer|hidden)\s+(?:prompt|message|instructions?)\b"
    r"|\bnew\s+instructions?\b|\bfrom\s+now\s+on\b"
    r"|\byou\s+are\s+(?:now\s+)?(?:an?\s+)?(?:ai|assistant|language\s+model|chatbot|llm|bot)\b"
    r"|\b(?:as\s+an?|dear|attention|note\s+to|message\s+to|hey)\s+(?:the\s+)?(?:ai|llm|"
    r"language\s+models?|assistants?|chatbots?|bots?|models?|gpt|summari[sz]ers?)\b"
    r"|\b(?:ai|llm|language\s+models?|assistants?|chatbots?|summari[sz]ers?)s?\s+(?:must|"
    r"should|shall|need\s+to|are\s+to|reading|summari[sz]ing|processing)\b"
    r"|\b(?:tell|inform|remind|assure|advise|instruct|direct|urge|ask)\s+(?:the\s+|all\s+|"
    r"your\s+|any\s+)?(?:users?|readers?|customers?|audience|visitors?)\b"
    r"|\b(?:when|if)\s+(?:you\s+are\s+|you're\s+)?(?:asked|questioned|prompted)\b"
    r"|\b(?:answer|respond|reply)\s+(?:only\s+)?(?:with|that|by\s+saying)\b"
    r"|</?\s*(?:sources?|system|instructions?|user|assistant|im_start|im_end)\s*>",
)


def clean(text: str) -> str:
    """What the model is shown of ``text``: NFKC, no format characters (zero-width, bidi,
    soft hyphen, tag characters), control characters as spaces, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cf":
            continue
        out.append(" " if cat == "Cc" else ch)
    return _SPACE.sub(" ", "".join(out)).strip()


def fold(text: str) -> str:
    """``clean(text)`` for checking only: lower case, no accents, look-alikes made Latin."""
    text = unicodedata.normalize("NFKD", clean(text).casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.translate(_LOOKALIKES).replace("’", "'")


def has_link(text: str) -> bool:
    """A URL, a domain name or an e-mail address (checked on the folded text)."""
    return bool(_LINK.search(fold(text)))


def is_injection(text: str) -> bool:
    """True for a sentence that addresses the model or orders the reader about: it matches
    an injection pattern, opens with an imperative, or pairs a link with a verb of acting."""
    folded = fold(text)
    # (A sentence opening with a quotation mark is speech: "“Go home,” police said.")
    if _INJECTION.search(folded) or _IMPERATIVE_START.match(folded.lstrip("([ ")):
        return True
    return bool(_LINK.search(folded)) and bool(_ACTION.search(folded))
