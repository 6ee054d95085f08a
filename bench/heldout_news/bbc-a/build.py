#!/usr/bin/env python3
"""Build held-out news QA set "bbc-a": BBC business/politics articles + hand-written questions.

Standard library only. Reads one pinned git mirror with ``git show`` and writes, next to this
script (or under --out):

  corpus/NNN_slug.txt   one article per file: title / "Source: | Published: | URL:" / blank / body
  questions.jsonl       the questions of questions_src.py, evidence resolved to verbatim sentences
  manifest.json         source, commit, counts and the origin of every corpus file

Usage:
  python3 build.py --mirror <git dir of dejanbatanjac/bbc-article-classify-bert>
                   [--dev /work/shared/eval-dev/news] [--out DIR]

The format follows the news dev set (shared/eval-dev/news, make_dev_news.py). The build exits
non-zero when:
  - an evidence snippet is missing from its article body, or the sentence built from it is not
    verbatim in the article;
  - no acceptable gold string is in the evidence sentences of an answerable question, or a
    conflict/latest "value" is not in its own sentence, or a conflict has fewer than two values;
  - a date cue is not in its article, or a date has no cue (or a cue no date);
  - a corpus file is a dev-set file (by origin path in the dev manifest), or shares a file name,
    a title or any run of 10 normalised words with a dev corpus article;
  - two corpus articles have the same text, or an id repeats, or a follow-up has no history.
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
from newsset_kit import clean_lines, git_dir, git_show, has, norm, sentence_of, shingles, slugify

HERE = Path(__file__).resolve().parent

BBC_REPO = "dejanbatanjac/bbc-article-classify-bert"
BBC_COMMIT = "8265dc84e88b82b87ce7f5b2df5bbbb1159ae922"
UNANSWERABLE_ANSWER = "Insufficient information."  # as in the dev set's questions.jsonl
SHINGLE = 10  # words: no run this long may be shared with a dev corpus article

# --- article selection ---------------------------------------------------------------------------
# (file, published, date cue in the body, how the date follows from the cue)
# The BBC dataset carries no dates. A date is given only where the body fixes the day through a
# cue plus a publicly known release/event date; the cue must occur in the body.
BBC_FILES: list[tuple[str, str, str, str]] = [
    # US monthly jobs reports (BLS Employment Situation released on the first Friday)
    ("business/134", "2004-11-05", "The US economy added 337,000 jobs in October",
     "October 2004 payrolls report, released Friday 5 Nov 2004"),
    ("business/292", "2005-01-07", "The US created fewer jobs than expected in December",
     "December 2004 payrolls report, released Friday 7 Jan 2005"),
    ("business/007", "2005-02-04", "The US created fewer jobs than expected in January",
     "January 2005 payrolls report, released Friday 4 Feb 2005"),
    # Bank of England holds rates at 4.75%
    ("business/137", "", "", ""), ("business/290", "", "", ""), ("business/119", "", "", ""),
    ("business/151", "", "", ""),
    # US federal budget and deficit
    ("business/328", "", "", ""),
    ("business/488", "2005-01-25", "officials said on Tuesday",
     "CBO Budget and Economic Outlook, published Tuesday 25 Jan 2005"),
    ("business/204", "", "", ""),
    ("business/249", "2005-02-07", "President Bush has presented his 2006 budget",
     "FY2006 budget sent to Congress on Monday 7 Feb 2005"),
    # US trade deficit (October, November, full-year 2004 figures)
    ("business/429", "", "", ""), ("business/440", "", "", ""), ("business/024", "", "", ""),
    # economic cost of the Asian tsunami
    ("business/345", "", "", ""), ("business/346", "", "", ""), ("business/398", "", "", ""),
    ("business/471", "", "", ""),
    # Parmalat
    ("business/017", "", "", ""), ("business/048", "", "", ""), ("business/312", "", "", ""),
    ("business/458", "", "", ""),
    # Marsh & McLennan
    ("business/265", "", "", ""), ("business/401", "", "", ""), ("business/103", "", "", ""),
    # Cairn Energy
    ("business/307", "", "", ""), ("business/198", "", "", ""),
    # politics: Brown's 2005 Budget
    ("politics/077", "", "", ""), ("politics/354", "", "", ""),
    ("politics/361", "2005-03-16", "when he delivers his ninth Budget at 1230 GMT",
     "Budget-day preview; the Budget was on 16 March 2005 (date announced in politics/077)"),
    ("politics/375", "2005-03-16",
     "Gordon Brown has doubled the level at which house buyers pay stamp duty to £120,000",
     "Budget-day report of the 16 March 2005 Budget"),
    ("politics/364", "", "", ""),
    # public-sector pension strike threat
    ("politics/042", "", "", ""), ("politics/069", "", "", ""), ("politics/312", "", "", ""),
    # Robert Jackson's defection
    ("politics/307", "", "", ""), ("politics/270", "", "", ""),
    # Lord Goldsmith's Iraq legal advice
    ("politics/324", "", "", ""), ("politics/184", "", "", ""), ("politics/327", "", "", ""),
    ("politics/328", "", "", ""),
    # Peston's book and the Blair-Brown rift
    ("politics/252", "", "", ""), ("politics/218", "", "", ""), ("politics/256", "", "", ""),
    ("politics/260", "", "", ""), ("politics/276", "", "", ""),
    # casinos and the Gambling Bill
    ("politics/010", "", "", ""), ("politics/133", "", "", ""), ("politics/187", "", "", ""),
    ("politics/377", "", "", ""),
    # unrelated single stories (distractors)
    ("business/216", "", "", ""), ("business/393", "", "", ""), ("business/470", "", "", ""),
    ("business/367", "", "", ""), ("business/184", "", "", ""),
    ("politics/117", "", "", ""), ("politics/074", "", "", ""), ("politics/113", "", "", ""),
    ("politics/144", "", "", ""), ("politics/308", "", "", ""),
]


# --- reading the mirror ----------------------------------------------------------------------------


def bbc_articles(repo: Path) -> list[dict]:
    out = []
    for name, published, cue, how in BBC_FILES:
        raw = git_show(repo, BBC_COMMIT, f"bbc/{name}.txt").decode("utf-8")
        title, _, body = clean_lines(raw).partition("\n")
        out.append({"key": f"bbc:{name}", "title": title.strip(), "source": "BBC News",
                    "published": published, "url": "", "body": body.strip("\n"),
                    "date_cue": cue, "date_from": how,
                    "origin": {"repo": BBC_REPO, "commit": BBC_COMMIT, "path": f"bbc/{name}.txt"}})
    return out


# --- sentences and normalisation (as in the dev build) ---------------------------------------------


# --- overlap with the dev set ----------------------------------------------------------------------
def dev_overlap(articles: list[dict], dev: Path) -> list[str]:
    problems: list[str] = []
    manifest = json.loads((dev / "manifest.json").read_text(encoding="utf-8"))
    dev_origins = {(f["origin"]["repo"], f["origin"]["path"]) for f in manifest["files"]}
    dev_files = sorted((dev / "corpus").glob("*.txt"))
    if not dev_files or len(dev_files) != manifest["articles"]:
        problems.append(f"dev corpus at {dev} incomplete ({len(dev_files)} files)")
    dev_names = {p.name for p in dev_files}
    dev_titles: dict[str, str] = {}
    dev_sh: dict[str, str] = {}
    for p in dev_files:
        text = p.read_text(encoding="utf-8")
        lines = text.split("\n")
        dev_titles[norm(lines[0])] = p.name
        body = "\n".join(lines[3:])
        for s in shingles(lines[0] + "\n" + body, SHINGLE):
            dev_sh.setdefault(s, p.name)
    for a in articles:
        o = a["origin"]
        if (o["repo"], o["path"]) in dev_origins:
            problems.append(f"{a['key']}: is a dev-set file ({o['path']})")
        if a["file"] in dev_names:
            problems.append(f"{a['key']}: file name {a['file']} is used by the dev set")
        if norm(a["title"]) in dev_titles:
            problems.append(f"{a['key']}: title {a['title']!r} is a dev title ({dev_titles[norm(a['title'])]})")
        shared = sorted(s for s in shingles(a["title"] + "\n" + a["body"], SHINGLE) if s in dev_sh)
        if shared:
            problems.append(f"{a['key']}: {len(shared)} {SHINGLE}-word run(s) shared with dev "
                            f"{dev_sh[shared[0]]}, e.g. {shared[0]!r}")
    return problems


# --- build -----------------------------------------------------------------------------------------
def build(args: argparse.Namespace) -> int:
    out = Path(args.out)
    articles = bbc_articles(git_dir(args.mirror))
    problems: list[str] = []
    seen: dict[str, str] = {}
    for a in articles:
        digest = hashlib.sha1(norm(a["body"]).encode()).hexdigest()
        if digest in seen:
            problems.append(f"{a['key']}: same text as {seen[digest]}")
        seen[digest] = a["key"]
        if bool(a["published"]) != bool(a["date_cue"]):
            problems.append(f"{a['key']}: a date needs a cue, and a cue a date")
        if a["date_cue"] and a["date_cue"] not in a["body"]:
            problems.append(f"{a['key']}: date cue not in text: {a['date_cue']!r}")
        if a["published"] and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", a["published"]):
            problems.append(f"{a['key']}: bad date {a['published']!r}")
    for n, a in enumerate(articles, start=1):
        a["file"] = f"{n:03d}_{slugify(a['title'])}.txt"
        header = f"Source: {a['source']} | Published: {a['published']} | URL: {a['url']}"
        a["text"] = f"{a['title']}\n{header}\n\n{a['body']}\n"
    problems += dev_overlap(articles, Path(args.dev))
    by_key = {a["key"]: a for a in articles}

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
                if not has(e["fact"], item[2]):
                    problems.append(f"{qid}: value {item[2]!r} not in its sentence")
            evidence.append(e)
            used_files.add(e["file"])
        gold = q["a"] if answerable else UNANSWERABLE_ANSWER
        if answerable:
            alts = gold if isinstance(gold, list) else [gold]
            if not evidence:
                problems.append(f"{qid}: answerable but no evidence")
            for x in alts:
                if not any(has(e["fact"], x) for e in evidence):
                    problems.append(f"{qid}: gold string {x!r} is in no evidence sentence")
            if qtype == "conflict":
                if len({norm(e["value"]) for e in evidence}) < 2:
                    problems.append(f"{qid}: a conflict needs two differing values")
                for e in evidence:
                    if not any(has(e["value"], x) or has(x, e["value"]) for x in alts):
                        problems.append(f"{qid}: conflict value {e['value']!r} not among the answers")
            if qtype == "latest":
                if len(evidence) < 2:
                    problems.append(f"{qid}: latest needs the newer and an older report")
                if not has(evidence[0]["value"], alts[0]) and not has(alts[0], evidence[0]["value"]):
                    problems.append(f"{qid}: the first (newest) evidence value must be the answer")
        elif q.get("ev"):
            problems.append(f"{qid}: unanswerable questions carry no evidence")
        row = {"id": qid, "question": q["q"], "answer": gold, "answerable": answerable,
               "type": qtype, "evidence": evidence}
        if q.get("also"):
            row["accept_also"] = q["also"]
        if q.get("all"):
            row["answer_all"] = q["all"]
        if qtype == "followup":
            if not q.get("history"):
                problems.append(f"{qid}: a follow-up needs history")
            row["history"] = q.get("history", [])
        if not answerable:
            near = fact(qid, *q["near"])
            row["near_miss"] = near["fact"] if near else ""
            row["near_miss_file"] = near["file"] if near else ""
        if q.get("note"):
            row["note"] = q["note"]
        rows.append(row)

    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"{len(problems)} problem(s); nothing written", file=sys.stderr)
        return 1

    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for old in corpus.glob("*.txt"):
        old.unlink()
    for a in articles:
        (corpus / a["file"]).write_text(a["text"], encoding="utf-8")
    with (out / "questions.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    words = sorted(len(a["body"].split()) for a in articles)
    by_type: dict[str, int] = {}
    for r in rows:
        by_type[r["type"]] = by_type.get(r["type"], 0) + 1
    manifest = {
        "sources": [
            {"repo": BBC_REPO, "commit": BBC_COMMIT, "files": "bbc/<category>/NNN.txt",
             "categories": ["business", "politics"],
             "articles": len(articles),
             "licence": "BBC full-text dataset (Greene & Cunningham, ICML 2006); all rights in the "
                        "articles owned by the BBC; non-commercial research use"},
        ],
        "articles": len(articles),
        "words_total": sum(words), "words_median": words[len(words) // 2],
        "words_min": words[0], "words_max": words[-1],
        "with_published": sum(1 for a in articles if a["published"]),
        "questions": len(rows),
        "questions_by_type": dict(sorted(by_type.items())),
        "answerable": sum(r["answerable"] for r in rows),
        "dev_overlap_check": {"dev_set": "shared/eval-dev/news", "shingle_words": SHINGLE,
                              "checked": ["origin path", "file name", "title", "text runs"]},
        "files": [{"file": a["file"], "key": a["key"], "published": a["published"],
                   **({"date_cue": a["date_cue"], "date_from": a["date_from"]} if a["date_cue"] else {}),
                   "origin": a["origin"]} for a in articles],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    unused = [a["file"] for a in articles if a["file"] not in used_files]
    print(f"{len(articles)} articles, {len(rows)} questions: {manifest['questions_by_type']}")
    print(f"{len(unused)} articles are cited by no evidence (distractors/context)")
    return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror", required=True, help=f"git mirror of {BBC_REPO}")
    ap.add_argument("--dev", default="/work/shared/eval-dev/news", help="the dev set (for overlap checks)")
    ap.add_argument("--questions", default=str(HERE / "questions_src.py"))
    ap.add_argument("--out", default=str(HERE))
    sys.exit(build(ap.parse_args()))


if __name__ == "__main__":
    main()
