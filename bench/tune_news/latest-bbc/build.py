#!/usr/bin/env python3
"""Build the tuning news QA set "latest-bbc": BBC business/politics/tech stories followed over
several reports, with questions whose answer depends on which report is newest.

Standard library only. Reads one pinned git mirror of dejanbatanjac/bbc-article-classify-bert
with ``git show`` and writes under --out (default: next to this script):

  corpus/NNN_slug.txt   one article per file: title / "Source: | Published: | URL:" / blank / body
  questions.jsonl       the questions of questions_src.py, evidence resolved to verbatim sentences
  manifest.json         source, commit, counts and the origin of every corpus file

Usage:
  python3 build.py --mirror <git dir of dejanbatanjac/bbc-article-classify-bert> [--out DIR]
                   [--other SETDIR ...]   (default: the dev set and the five held-out sets)

The format follows the news dev set (shared/eval-dev/news, make_dev_news.py). The build exits
non-zero, writing nothing, when:
  - an evidence snippet is missing from its article body, or the sentence built from it is not
    verbatim in the article;
  - an acceptable gold string is in no evidence sentence of an answerable question, or a
    conflict/latest "value" is not in its own sentence, or a conflict has fewer than two values;
  - a latest question has fewer than two reports, or its first (newest) report does not state
    the first gold answer;
  - a date cue is not in its article, or a date has no cue (or a cue no date);
  - a corpus file is used by the dev set or by any held-out set (by origin path or "key" in
    their manifests, or by identical text to such a file), or shares a file name, a title or
    any run of 10 normalised words with one of their corpus articles;
  - two corpus articles have the same text, or an id repeats.
No randomness: two runs give identical output.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/: the shared kit
from newsset_kit import (
    decode,
    digest,
    git_dir,
    git_show,
    has,
    norm,
    sentence_of,
    shingles,
    slugify,
    split_article,
)

HERE = Path(__file__).resolve().parent

BBC_REPO = "dejanbatanjac/bbc-article-classify-bert"
BBC_COMMIT = "8265dc84e88b82b87ce7f5b2df5bbbb1159ae922"
UNANSWERABLE_ANSWER = "Insufficient information."  # as in the dev set's questions.jsonl
SHINGLE = 10  # words: no run this long may be shared with another set's corpus article
OTHER_SETS = ["/work/shared/eval-dev/news", "/work/heldout-news/bbc-a", "/work/heldout-news/bbc-b",
              "/work/heldout-news/wikiref-c", "/work/heldout-news/bbc-d",
              "/work/heldout-news/wikinews-e"]
CATEGORIES = ("business", "politics", "tech")  # sport/entertainment are left to another set

# --- article selection ---------------------------------------------------------------------------
# (file, published, date cue in the body, how the date follows from the cue)
# The BBC dataset carries no dates. A date is given only where the body fixes the day through a
# cue plus a publicly known release/event date; the cue must occur in the body.
BBC_FILES: list[tuple[str, str, str, str]] = [
    # US economy: Fed rate rises, third-quarter GDP revisions, consumer confidence, output, retail
    ("business/165", "2004-10-29",
     "Friday's growth estimate is one of the last significant pieces of economic data before the 2 November presidential election",
     "advance Q3 2004 GDP estimate, released Friday 29 Oct 2004 (the Friday before the 2 Nov election)"),
    ("business/121", "2004-11-10",
     "The Federal Reserve has raised its key federal funds rate by a quarter percentage point to 2%",
     "FOMC decision of Wednesday 10 Nov 2004 (rate to 2%), the week after the 2 Nov election"),
    ("business/361", "2004-12-28", "According to figures also released on Tuesday",
     "Conference Board December 2004 consumer confidence, released Tuesday 28 Dec 2004 (data "
     "for the week to 25 December 'also released on Tuesday')"),
    ("business/453", "", "", ""),
    ("business/383", "2005-01-05", "by 0400 GMT on Wednesday",
     "FOMC minutes of the 14 Dec meeting were released Tuesday 4 Jan 2005 ('three weeks after'); "
     "the dollar move is reported on Wednesday 5 Jan 2005"),
    ("business/094", "2005-02-25", "announced by the Commerce Department on Friday",
     "preliminary Q4 2004 GDP estimate (3.8%, revised from the 3.1% advance estimate of 28 Jan), "
     "released Friday 25 Feb 2005"),
    ("business/450", "", "", ""), ("business/063", "", "", ""),
    # UK government and the tsunami
    ("politics/135", "2005-01-05",
     "He was speaking before the UK joins a three-minute silence at noon across the EU",
     "the EU-wide three-minute silence for the tsunami victims was at noon on Wednesday 5 Jan 2005"),
    ("politics/208", "", "", ""),
    ("politics/017", "2005-01-07", "later on Friday",
     "the G8 debt moratorium for tsunami-hit countries was announced on Friday 7 Jan 2005"),
    ("politics/195", "2005-01-09", "Mr Blair told Sunday's programme",
     "Breakfast with Frost on the Sunday after Straw's Friday (7 Jan) figure of 440 and before "
     "the Commons statement 'on Monday' (10 Jan): Sunday 9 Jan 2005"),
    # the German economy
    ("business/439", "2005-01-13",
     "The European Central Bank (ECB) left its benchmark interest rate unchanged at 2% on Thursday",
     "ECB rate meeting of Thursday 13 Jan 2005, the day the 2004 GDP estimate was published"),
    ("business/073", "", "", ""), ("business/066", "", "", ""), ("business/098", "", "", ""),
    # China's growth
    ("business/016", "", "", ""), ("business/286", "", "", ""),
    # Ukraine's privatisation review and Krivorizhstal
    ("business/136", "", "", ""), ("business/197", "", "", ""),
    ("business/217", "2005-02-21", "Mr Yushchenko said on Monday",
     "Monday before the Nato summit in Brussels of Tuesday 22 Feb 2005, which he 'prepared to "
     "head to': Monday 21 Feb 2005"),
    # MG Rover and Shanghai Automotive
    ("business/212", "", "", ""), ("business/034", "", "", ""),
    # Barclays
    ("business/417", "", "", ""), ("business/126", "", "", ""),
    # Venezuela's land reform and the Vestey ranch
    ("business/388", "", "", ""), ("business/029", "", "", ""),
    # Air Deccan's orders
    ("business/339", "", "", ""), ("business/407", "", "", ""),
    # UK retail sales
    ("business/306", "", "", ""), ("business/481", "", "", ""), ("business/225", "", "", ""),
    # Apple and the leaked product news
    ("tech/248", "", "", ""), ("tech/044", "", "", ""), ("tech/355", "", "", ""),
    # Firefox against Internet Explorer
    ("tech/138", "", "", ""), ("tech/196", "", "", ""),
    # Xbox 2
    ("tech/052", "", "", ""), ("tech/348", "", "", ""),
    # the jailed Iranian bloggers
    ("tech/016", "", "", ""),
    ("tech/035", "2005-02-23",
     "Mr Sigarchi was sentenced one day after an online campaign highlighted his case",
     "the day of action was 22 Feb 2005 (stated in the article), so the sentence and the report "
     "are of 23 Feb 2005"),
    # Turkey's EU talks
    ("politics/035", "", "", ""),
    ("politics/064", "2004-12-17", "Leaving a Brussels summit Mr Blair said",
     "the European Council of 16-17 Dec 2004 agreed to open talks with Turkey on Friday 17 Dec"),
    ("politics/161", "", "", ""),
    # election "cold calls"
    ("politics/088", "", "", ""), ("politics/337", "", "", ""), ("politics/396", "", "", ""),
    # unrelated single stories (distractors)
    ("business/014", "", "", ""), ("business/050", "", "", ""), ("business/257", "", "", ""),
    ("politics/050", "", "", ""), ("politics/345", "", "", ""),
    ("tech/236", "", "", ""), ("tech/400", "", "", ""), ("business/467", "", "", ""),
]


# --- reading the mirror ----------------------------------------------------------------------------


def bbc_articles(repo: Path) -> list[dict]:
    out = []
    for name, published, cue, how in BBC_FILES:
        if name.split("/")[0] not in CATEGORIES:
            raise SystemExit(f"{name}: category not used by this set")
        path = f"bbc/{name}.txt"
        raw = git_show(repo, BBC_COMMIT, path)
        title, body = split_article(raw)
        origin = {"repo": BBC_REPO, "commit": BBC_COMMIT, "path": path}
        if decode(raw)[1] != "utf-8":
            origin["encoding"] = decode(raw)[1]
        out.append({"key": f"bbc:{name}", "title": title, "source": "BBC News",
                    "published": published, "url": "", "body": body, "date_cue": cue,
                    "date_from": how, "origin": origin})
    return out


# --- sentences and normalisation (as in the dev build) ---------------------------------------------


# --- overlap with the dev set and the held-out sets ----------------------------------------------
def overlap(articles: list[dict], repo: Path, others: list[Path]) -> list[str]:
    problems: list[str] = []
    used_paths: set[str] = set()
    names: dict[str, str] = {}
    titles: dict[str, str] = {}
    runs: dict[str, str] = {}
    for d in others:
        man = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        files = sorted((d / "corpus").glob("*.txt"))
        if not files or len(files) != man["articles"]:
            problems.append(f"corpus of {d} incomplete ({len(files)} files)")
        for f in man["files"]:
            o = f.get("origin") or {}
            if o.get("repo") == BBC_REPO:
                used_paths.add(o["path"])
            if str(f.get("key", "")).startswith("bbc:"):
                used_paths.add(f"bbc/{f['key'][4:]}.txt")
        for p in files:
            text = p.read_text(encoding="utf-8")
            lines = text.split("\n")
            names[p.name] = d.name
            titles[norm(lines[0])] = f"{d.name}/{p.name}"
            for s in shingles(lines[0] + "\n" + "\n".join(lines[3:]), SHINGLE):
                runs.setdefault(s, f"{d.name}/{p.name}")
    used_text = {digest(split_article(git_show(repo, BBC_COMMIT, p))[1]): p
                 for p in sorted(used_paths)}
    for a in articles:
        if a["origin"]["path"] in used_paths:
            problems.append(f"{a['key']}: used by another set")
        if digest(a["body"]) in used_text:
            problems.append(f"{a['key']}: same text as {used_text[digest(a['body'])]}, "
                            f"which another set uses")
        if a["file"] in names:
            problems.append(f"{a['key']}: file name {a['file']} also in {names[a['file']]}")
        if norm(a["title"]) in titles:
            problems.append(f"{a['key']}: title also in {titles[norm(a['title'])]}")
        shared = sorted(s for s in shingles(a["title"] + "\n" + a["body"], SHINGLE) if s in runs)
        if shared:
            problems.append(f"{a['key']}: {len(shared)} {SHINGLE}-word run(s) shared with "
                            f"{runs[shared[0]]}, e.g. {shared[0]!r}")
    return problems


# --- build -----------------------------------------------------------------------------------------
def build(args: argparse.Namespace) -> int:
    out = Path(args.out)
    repo = git_dir(args.mirror)
    articles = bbc_articles(repo)
    problems: list[str] = []
    seen: dict[str, str] = {}
    for a in articles:
        d = digest(a["body"])
        if d in seen:
            problems.append(f"{a['key']}: same text as {seen[d]}")
        seen[d] = a["key"]
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
    problems += overlap(articles, repo, [Path(p) for p in args.other])
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
                if evidence and not has(evidence[0]["fact"], alts[0]):
                    problems.append(f"{qid}: the newest report (first evidence) must state the answer")
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
             "categories": sorted({a["key"][4:].split("/")[0] for a in articles}),
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
        "overlap_check": {"against": ["/".join(Path(p).parts[-2:]) if "heldout" in p
                                      else "/".join(Path(p).parts[-3:]) for p in args.other],
                          "shingle_words": SHINGLE,
                          "checked": ["origin path / key", "identical text", "file name",
                                      "title", "text runs"]},
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
    ap.add_argument("--other", action="append", default=None,
                    help="another set's folder (manifest.json + corpus/) to check overlap against; "
                         "repeatable; default: the dev set and the five held-out sets")
    ap.add_argument("--questions", default=str(HERE / "questions_src.py"))
    ap.add_argument("--out", default=str(HERE))
    args = ap.parse_args()
    if args.other is None:
        args.other = OTHER_SETS
    sys.exit(build(args))


if __name__ == "__main__":
    main()
