#!/usr/bin/env python3
"""Build the held-out news set "wikiref-c" from WikiRef220 (standard library only).

Reads one pinned git mirror with ``git show`` and writes, next to this script (or under --out):

  corpus/NNN_slug.txt   one article per file: title / "Source: | Published: | URL:" / blank / body
  questions.jsonl       the questions of questions_src.py, evidence resolved to verbatim sentences
  manifest.json         source, commit, counts and the origin of every corpus file

Usage:
  python3 build.py --mirror <git dir of dpacassi/dynamic-event-detection-in-data-streams>
                   [--dev-corpus /work/shared/eval-dev/news/corpus]

The format is that of the news dev set (shared/eval-dev/news). The build exits non-zero when:
  - an evidence snippet, a date cue or a source cue is missing from its article;
  - an evidence fact is not a verbatim substring of its corpus file;
  - a gold answer string is not verbatim in any evidence fact of its question;
  - a conflict/latest value is not verbatim in its own fact, or a conflict has < 2 values,
    or a latest answer is not among its values;
  - a corpus file name, a title, an article text, or any run of 10 words (normalised) is shared
    with the dev corpus (or the dev corpus cannot be read).
No randomness: two runs give identical output.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/: the shared kit
from newsset_kit import clean_lines, git_dir, git_show, norm, sentence_of, slugify

HERE = Path(__file__).resolve().parent

WR_REPO = "dpacassi/dynamic-event-detection-in-data-streams"
WR_COMMIT = "3207bdee91d7f14cc60dc05dd9c64fe48f37e516"
WR_DIR = "app/data_processing/test_data/wikiref/WikiRef220"
DEV_CORPUS = "/work/shared/eval-dev/news/corpus"
NGRAM = 10

# --- article selection ---------------------------------------------------------------------------
# WikiRef220 records neither outlet, date nor URL. "Source" is filled only where the article text
# names its own outlet (source_cue, checked to occur in the text). "Published" is given only where
# the text fixes the day of writing (date_cue, checked); where the cue is a weekday or "deadline
# day", the known date of the event is given in date_note (as the dev set does for two files).
# (file stem, published, date_cue, date_note, source, source_cue)
W = tuple[str, str, str, str, str, str]
TOPIC_FILES: list[W] = [
    # Samsung Galaxy S5 launch and specifications (Mobile World Congress, Feb 2014)
    ("samsung.galaxy.s5.15", "2014-02-24",
     "We're live at Mobile World Congress, where Samsung is holding its \"Unpacked 5\" press event",
     "live report from Samsung's Unpacked 5 event at MWC Barcelona, Monday 24 Feb 2014", "", ""),
    ("samsung.galaxy.s5.16", "", "", "", "", ""),
    ("samsung.galaxy.s5.19", "", "", "", "", ""),
    ("samsung.galaxy.s5.26", "", "", "", "", ""),
    ("samsung.galaxy.s5.35", "", "", "", "", ""),
    ("samsung.galaxy.s5.14", "", "", "", "", ""),
    ("samsung.galaxy.s5.27", "", "", "", "", ""),
    ("samsung.galaxy.s5.25", "", "", "", "", ""),
    ("samsung.galaxy.s5.21", "", "", "", "", ""),
    # Galaxy S5: carriers blocking Download Booster
    ("samsung.galaxy.s5.31", "", "", "", "Business Insider", "In a statement to Business Insider"),
    ("samsung.galaxy.s5.32", "", "", "", "", ""),
    ("samsung.galaxy.s5.33", "", "", "", "", ""),
    # Galaxy S5 Active / Sport; Alpha and S5 Active in Canada
    ("samsung.galaxy.s5.37", "", "", "", "", ""),
    ("samsung.galaxy.s5.38", "", "", "", "", ""),
    ("samsung.galaxy.s5.39", "", "", "", "", ""),
    ("samsung.galaxy.s5.40", "", "", "", "", ""),
    # Galaxy S5: fingerprint hack, fingerprint API, camera failure, Lollipop update
    ("samsung.galaxy.s5.6", "", "", "", "", ""),
    ("samsung.galaxy.s5.34", "", "", "", "", ""),
    ("samsung.galaxy.s5.13", "", "", "", "The Verge", "a company spokesperson told The Verge"),
    ("samsung.galaxy.s5.36", "", "", "", "", ""),
    # Michelle Obama: Vogue cover, best-dressed list, "feminist nightmare", Oscars, #BringBackOurGirls,
    # LGBT politics (none of these is the China-visit story used by the dev set)
    ("michelle.obama.138", "", "", "", "", ""),
    ("michelle.obama.139", "", "", "", "", ""),
    ("michelle.obama.122", "", "", "", "", ""),
    ("michelle.obama.123", "", "", "", "Access Hollywood", "Read more at http://www.accesshollywood.com"),
    ("michelle.obama.98", "", "", "", "", ""),
    ("michelle.obama.100", "", "", "", "", ""),
    ("michelle.obama.142", "", "", "", "", ""),
    ("michelle.obama.102", "", "", "", "", ""),
    ("michelle.obama.111", "", "", "", "", ""),
    ("michelle.obama.114", "", "", "", "", ""),
    ("michelle.obama.115", "", "", "", "", ""),
    # English football: record transfers, squad rules, Welsh clubs, records (no TV-rights story)
    ("premier.league.140", "2006-05-31", "The 29-year-old signed a four-year contract on Wednesday",
     "Chelsea completed the Shevchenko signing on Wednesday 31 May 2006", "", ""),
    ("premier.league.141", "2008-09-01",
     "City made the audacious attempt to sign Robinho on transfer deadline day",
     "the summer 2008 transfer deadline day was Monday 1 September 2008", "", ""),
    ("premier.league.142", "2011-02-01", "Carroll was reported in Tuesday's Daily Star",
     "the January 2011 deadline day (Carroll's request 'on Monday afternoon') was Monday 31 Jan 2011; "
     "the text already cites Tuesday's paper", "", ""),
    ("premier.league.143", "", "", "", "", ""),
    ("premier.league.125", "", "", "", "", ""),
    ("premier.league.133", "", "", "", "BBC Sport", "BBC Sport explains the key points"),
    ("premier.league.26", "", "", "", "", ""),
    ("premier.league.96", "", "", "", "", ""),
    ("premier.league.89", "", "", "", "Daily Mail", "Read more: http://www.dailymail.co.uk"),
    # Greek debt crisis 2011-2012 (austerity, riots, bailouts; not the June 2012 election story)
    ("debt.crisis.greece.81", "2011-06-30", "30 June 2011 – The United Nations independent expert",
     "", "", ""),
    ("debt.crisis.greece.179", "2011-06-15", "Stocks tumbled on Wednesday",
     "Pandora's stock-market debut, reported here, was on Wednesday 15 June 2011", "", ""),
    ("debt.crisis.greece.178", "2011-06-16", "sparked the violent clashes yesterday",
     "the Athens general-strike riots were on Wednesday 15 June 2011", "", ""),
    ("debt.crisis.greece.207", "2012-02-13", "Greek lawmakers on Monday approved harsh new austerity measures",
     "the Greek parliament passed the second-bailout austerity bill on Monday 13 Feb 2012", "", ""),
    ("debt.crisis.greece.263", "", "", "", "", ""),
]
DISTRACTOR_FILES: list[W] = [
    ("NBA.draft.2", "", "", "", "", ""),
    ("Rolling.Stones.197", "", "", "", "", ""),
    ("U2.149", "", "", "", "", ""),
    ("stephen.hawking.275", "", "", "", "", ""),
    ("wall.street.51", "", "", "", "", ""),
    ("smartphone.78", "", "", "", "", ""),
    ("smartphone.95", "", "", "", "", ""),
    ("smartphone.107", "", "", "", "", ""),
]


# --- reading the mirror ----------------------------------------------------------------------------


def wikiref_articles(repo: Path) -> list[dict]:
    out = []
    for role, specs in (("topic", TOPIC_FILES), ("distractor", DISTRACTOR_FILES)):
        for stem, published, cue, note, source, source_cue in specs:
            path = f"{WR_DIR}/{stem}.txt"
            raw = git_show(repo, WR_COMMIT, path).decode("cp1252")
            title, _, body = clean_lines(raw).partition("\n")
            out.append({"key": f"wr:{stem}", "title": title.strip(), "source": source,
                        "source_cue": source_cue, "published": published, "url": "",
                        "body": body.strip("\n"), "date_cue": cue, "date_note": note, "role": role,
                        "origin": {"repo": WR_REPO, "commit": WR_COMMIT, "path": path,
                                   "encoding": "cp1252"}})
    return out


# --- sentences and normalisation (as in the dev build) ---------------------------------------------


def ngrams(text: str, n: int = NGRAM) -> set[tuple[str, ...]]:
    w = norm(text).split()
    return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}


# --- overlap with the dev set ----------------------------------------------------------------------
def dev_overlap(articles: list[dict], dev_dir: Path, problems: list[str]) -> dict:
    files = sorted(dev_dir.glob("*.txt")) if dev_dir.is_dir() else []
    if not files:
        problems.append(f"dev corpus not readable or empty: {dev_dir}")
        return {"dev_files": 0}
    dev_names = {f.name for f in files}
    dev_titles: set[str] = set()
    dev_digests: set[str] = set()
    dev_grams: set[tuple[str, ...]] = set()
    for f in files:
        text = f.read_text(encoding="utf-8")
        title, _, rest = text.partition("\n")
        body = rest.partition("\n\n")[2]
        dev_titles.add(norm(title))
        dev_digests.add(hashlib.sha1(norm(body).encode()).hexdigest())
        dev_grams |= ngrams(title) | ngrams(body)
    for a in articles:
        if a["file"] in dev_names:
            problems.append(f"{a['key']}: file name {a['file']} also in the dev corpus")
        if norm(a["title"]) in dev_titles:
            problems.append(f"{a['key']}: title also in the dev corpus: {a['title']!r}")
        if hashlib.sha1(norm(a["body"]).encode()).hexdigest() in dev_digests:
            problems.append(f"{a['key']}: same text as a dev corpus file")
        shared = (ngrams(a["title"]) | ngrams(a["body"])) & dev_grams
        if shared:
            ex = " ".join(sorted(shared)[0])
            problems.append(f"{a['key']}: {len(shared)} {NGRAM}-word run(s) shared with the dev corpus, "
                            f"e.g. {ex!r}")
    return {"dev_files": len(files)}


# --- build -----------------------------------------------------------------------------------------
def build(args: argparse.Namespace) -> int:
    out = Path(args.out)
    articles = wikiref_articles(git_dir(args.mirror))
    problems: list[str] = []
    seen: dict[str, str] = {}
    for a in articles:
        digest = hashlib.sha1(norm(a["body"]).encode()).hexdigest()
        if digest in seen:
            problems.append(f"{a['key']}: same text as {seen[digest]}")
        seen[digest] = a["key"]
        if bool(a["published"]) != bool(a["date_cue"]):
            problems.append(f"{a['key']}: a date needs a cue, and a cue a date")
        if a["published"] and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", a["published"]):
            problems.append(f"{a['key']}: bad date {a['published']!r}")
        if a["date_cue"] and a["date_cue"] not in a["body"]:
            problems.append(f"{a['key']}: date cue not in text: {a['date_cue']!r}")
        if bool(a["source"]) != bool(a["source_cue"]):
            problems.append(f"{a['key']}: a source needs a cue, and a cue a source")
        if a["source_cue"] and a["source_cue"] not in a["body"]:
            problems.append(f"{a['key']}: source cue not in text: {a['source_cue']!r}")

    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for old in corpus.glob("*.txt"):
        old.unlink()
    by_key: dict[str, dict] = {}
    for n, a in enumerate(articles, start=1):
        a["file"] = f"{n:03d}_{slugify(a['title'])}.txt"
        header = f"Source: {a['source']} | Published: {a['published']} | URL: {a['url']}"
        a["text"] = f"{a['title']}\n{header}\n\n{a['body']}\n"
        (corpus / a["file"]).write_text(a["text"], encoding="utf-8")
        by_key[a["key"]] = a

    overlap = dev_overlap(articles, Path(args.dev_corpus), problems)

    ns: dict = {}
    src_path = Path(args.questions)
    exec(compile(src_path.read_text(encoding="utf-8"), str(src_path), "exec"), ns)

    def fact(qid: str, key: str, snippet: str) -> dict | None:
        a = by_key.get(key)
        if a is None:
            problems.append(f"{qid}: unknown article {key}")
            return None
        body_at = a["text"].index("\n\n") + 2  # evidence comes from the body, not the header
        pos = a["text"].find(snippet, body_at)
        if pos < 0:
            problems.append(f"{qid}: snippet not in {key}: {snippet[:70]!r}")
            return None
        sentence = sentence_of(a["text"], pos, pos + len(snippet))
        if sentence not in a["text"] or snippet not in sentence:
            problems.append(f"{qid}: evidence sentence not verbatim in {a['file']}")
        return {"file": a["file"], "title": a["title"], "url": a["url"], "fact": sentence}

    rows = []
    ids = set()
    used_files: set[str] = set()
    for q in ns["QUESTIONS"]:
        qid, qtype = q["id"], q["type"]
        if qid in ids:
            problems.append(f"{qid}: duplicate id")
        ids.add(qid)
        answerable = qtype != "unanswerable"
        evidence = []
        for item in q.get("ev", []):
            e = fact(qid, item[0], item[1])
            if e is None:
                continue
            if qtype in ("conflict", "latest"):
                if len(item) < 3:
                    problems.append(f"{qid}: {qtype} evidence needs a value")
                    continue
                e["value"] = item[2]
                if item[2] not in e["fact"]:
                    problems.append(f"{qid}: value {item[2]!r} not verbatim in its sentence")
            evidence.append(e)
            used_files.add(e["file"])
        gold = q["a"] if answerable else ""
        if answerable:
            alts = gold if isinstance(gold, list) else [gold]
            if not evidence:
                problems.append(f"{qid}: answerable but no evidence")
            for x in alts:  # every gold string is stated verbatim by some evidence sentence
                if not x or not any(x in e["fact"] for e in evidence):
                    problems.append(f"{qid}: gold string {x!r} is not verbatim in any evidence sentence")
            if qtype == "conflict":
                if len({norm(e["value"]) for e in evidence}) < 2:
                    problems.append(f"{qid}: a conflict needs two differing values")
                for e in evidence:
                    if e["value"] not in alts:
                        problems.append(f"{qid}: conflict value {e['value']!r} missing from the answer list")
            if qtype == "latest":
                if len({norm(e["value"]) for e in evidence}) < 2:
                    problems.append(f"{qid}: a latest question needs an older, different value")
                if not any(e["value"] in alts for e in evidence):
                    problems.append(f"{qid}: the latest answer is none of the evidence values")
            if qtype == "followup" and not q.get("history"):
                problems.append(f"{qid}: followup without history")
        elif q.get("ev") or q.get("a"):
            problems.append(f"{qid}: unanswerable question with evidence or answer")
        row = {"id": qid, "question": q["q"], "answer": gold, "answerable": answerable,
               "type": qtype, "evidence": evidence}
        if q.get("also"):  # other renderings of the same answer, not in the text
            row["accept_also"] = q["also"]
        if qtype == "followup":
            row["history"] = q["history"]
        if not answerable:
            near = fact(qid, *q["near"])
            row["near_miss"] = near["fact"] if near else ""
            row["near_miss_file"] = near["file"] if near else ""
        if q.get("note"):
            row["note"] = q["note"]
        rows.append(row)

    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"FAILED: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    with (out / "questions.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    words = sorted(len(a["body"].split()) for a in articles)
    by_type: dict[str, int] = {}
    for r in rows:
        by_type[r["type"]] = by_type.get(r["type"], 0) + 1
    manifest = {
        "sources": [
            {"repo": WR_REPO, "commit": WR_COMMIT, "files": f"{WR_DIR}/*.txt",
             "articles": len(articles),
             "licence": "WikiRef220 (Gialampoukidis et al., MLDM 2016) as copied into a thesis "
                        "repository that states no licence; article texts are the publishers' "
                        "copyright; research use only"},
        ],
        "articles": len(articles),
        "topic_articles": sum(a["role"] == "topic" for a in articles),
        "distractors": sum(a["role"] == "distractor" for a in articles),
        "words_total": sum(words), "words_median": words[len(words) // 2],
        "words_min": words[0], "words_max": words[-1],
        "with_published": sum(1 for a in articles if a["published"]),
        "with_source": sum(1 for a in articles if a["source"]),
        "questions": len(rows),
        "questions_by_type": dict(sorted(by_type.items())),
        "answerable": sum(r["answerable"] for r in rows),
        "dev_overlap_check": {"dev_corpus": "shared/eval-dev/news/corpus", "files": overlap["dev_files"],
                              "ngram_words": NGRAM, "shared_files_titles_runs": 0},
        "files": [{"file": a["file"], "key": a["key"], "role": a["role"], "published": a["published"],
                   **({"date_cue": a["date_cue"]} if a["date_cue"] else {}),
                   **({"date_note": a["date_note"]} if a["date_note"] else {}),
                   "source": a["source"],
                   **({"source_cue": a["source_cue"]} if a["source_cue"] else {}),
                   "used_as_evidence": a["file"] in used_files,
                   "origin": a["origin"]} for a in articles],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    print(f"{len(articles)} articles, {len(rows)} questions: {manifest['questions_by_type']}")
    return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror", required=True, help=f"git mirror (bare or checkout) of {WR_REPO}")
    ap.add_argument("--dev-corpus", default=DEV_CORPUS, help="dev corpus to check for overlap")
    ap.add_argument("--questions", default=str(HERE / "questions_src.py"))
    ap.add_argument("--out", default=str(HERE))
    sys.exit(build(ap.parse_args()))


if __name__ == "__main__":
    main()
