#!/usr/bin/env python3
"""Build the held-out news set bbc-b: BBC articles (sport, entertainment, tech) + hand-written
questions (standard library only).

Reads a pinned git mirror of dejanbatanjac/bbc-article-classify-bert with ``git show`` and
writes, next to this script (or under --out):

  corpus/NNN_slug.txt   one article per file: title / "Source: | Published: | URL:" / blank / body
  questions.jsonl       the questions of questions_src.py, evidence resolved to verbatim sentences
  manifest.json         source, commit, counts and the origin of every corpus file

Usage:
  python3 build.py --mirror <git dir of dejanbatanjac/bbc-article-classify-bert>

The format follows the dev set in /work/shared/eval-dev/news/ (make_dev_news.py). The build
fails (exit status 1, nothing written) when:
  - an evidence snippet or near-miss snippet is not in its article body;
  - an evidence sentence (fact) is not verbatim in its article;
  - a gold answer string (not accept_also) is not verbatim in any of its evidence sentences, or
    fails the normalised whole-word match the scorer uses;
  - a conflict or latest value is not in its own sentence, a conflict has fewer than two
    differing values, or a latest answer is not in its newest report (dated reports must be in
    date order);
  - a date cue is not in its article, or a date has no cue;
  - an unanswerable question has a non-empty answer, a follow-up no history;
  - an article is a dev-set file (by origin path), or shares a file name, a title, or any run of
    10 words (normalised) with a file of the dev corpus;
  - two articles have the same text.
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
from newsset_kit import clean_lines, git_dir, git_show, has, norm, runs, sentence_of, slugify

HERE = Path(__file__).resolve().parent

BBC_REPO = "dejanbatanjac/bbc-article-classify-bert"
BBC_COMMIT = "8265dc84e88b82b87ce7f5b2df5bbbb1159ae922"
DEV_DIR = "/work/shared/eval-dev/news"

# --- article selection ---------------------------------------------------------------------------
# (file, published, date cue in the text, how the date follows from the cue). The BBC dataset has
# no dates; a date is given only where the text fixes the day of writing, together with the known
# date of the event it reports (weekday reasoning: 22 Dec 2004 was a Wednesday; Meet The Fockers
# opened in the US on Wednesday 22 Dec 2004; Band Aid 20 was released on Monday 29 Nov 2004 and
# the UK chart was announced on Sundays; the DS went on sale in Europe on Friday 11 Mar 2005).
BBC_FILES: list[tuple[str, str, str, str]] = [
    # Kenteris and Thanou: missed drugs tests, IAAF suspension, Greek tribunal, IAAF appeal
    ("sport/051", "2004-12-21", "held a conference call on Tuesday",
     "IAAF council call on Tuesday 21 Dec 2004, decision 'on Wednesday'"),
    ("sport/033", "2004-12-22", "Wednesday's statement said",
     "IAAF provisional suspension announced Wednesday 22 Dec 2004 ('suspended by the IAAF last December')"),
    ("sport/016", "", "", ""),
    ("sport/082", "", "", ""),
    ("sport/081", "", "", ""),
    # Susan Chepkemei ban
    ("sport/021", "", "", ""),
    ("sport/019", "", "", ""),
    ("sport/013", "", "", ""),
    # Balco case and Marion Jones
    ("sport/045", "", "", ""),
    ("sport/049", "", "", ""),
    ("sport/091", "", "", ""),
    # Adrian Mutu
    ("sport/199", "", "", ""),
    ("sport/201", "", "", ""),
    ("sport/203", "", "", ""),
    # Sania Mirza
    ("sport/447", "", "", ""),
    ("sport/510", "", "", ""),
    ("sport/435", "", "", ""),
    # Roddick and Gilbert
    ("sport/481", "", "", ""),
    ("sport/482", "", "", ""),
    # Aragones and the Henry remarks
    ("sport/257", "", "", ""),
    ("sport/170", "", "", ""),
    # Kelly Holmes and the European Indoors
    ("sport/063", "", "", ""),
    ("sport/068", "", "", ""),
    ("sport/055", "", "", ""),
    # Band Aid 20
    ("entertainment/160", "2004-11-30", "sold on its first day of release on Monday",
     "released Monday 29 Nov 2004; first-day sales reported the next day"),
    ("entertainment/143", "2004-12-03", "in Edinburgh on Friday",
     "Friday before the Sunday 5 Dec 2004 chart ('by the time the new chart is announced on Sunday')"),
    ("entertainment/159", "2004-12-05", "has gone straight in at number one in the UK singles chart",
     "first chart after the 29 Nov release, announced Sunday 5 Dec 2004"),
    ("entertainment/109", "2004-12-12", "held on the chart top spot for a second week",
     "second Sunday chart, 12 Dec 2004"),
    # Meet The Fockers at the US box office
    ("entertainment/076", "2004-12-27", "between 24 and 26 December",
     "weekend estimates for 24-26 Dec 2004, reported Monday 27 Dec"),
    ("entertainment/100", "2005-01-03", "in 12 days",
     "12 days from the Wednesday 22 Dec 2004 opening = to Sunday 2 Jan 2005, reported Monday 3 Jan"),
    ("entertainment/297", "2005-01-10", "has topped the US box office for a third week",
     "third weekend, 7-9 Jan 2005 (White Noise opening), reported Monday 10 Jan"),
    # The Da Vinci Code film
    ("entertainment/098", "", "", ""),
    ("entertainment/068", "", "", ""),
    # Celebrity Big Brother
    ("entertainment/225", "", "", ""),
    ("entertainment/180", "", "", ""),
    ("entertainment/187", "", "", ""),
    # EU software patent directive
    ("tech/258", "", "", ""),
    ("tech/080", "", "", ""),
    ("tech/030", "", "", ""),
    ("tech/048", "", "", ""),
    ("tech/014", "", "", ""),
    # UK broadband
    ("tech/129", "", "", ""),
    ("tech/264", "", "", ""),
    ("tech/254", "", "", ""),
    # Nintendo DS
    ("tech/153", "", "", ""),
    ("tech/084", "", "", ""),
    ("tech/351", "2005-03-11", "open early on Friday morning",
     "European launch on Friday 11 March 2005 (date given in the earlier report)"),
    # Halo 2
    ("tech/160", "", "", ""),
    ("tech/221", "", "", ""),
    # distractors and single stories
    ("sport/005", "", "", ""),
    ("sport/149", "", "", ""),
    ("sport/245", "", "", ""),
    ("sport/161", "", "", ""),
    ("entertainment/044", "", "", ""),
    ("entertainment/270", "", "", ""),
    ("entertainment/116", "", "", ""),
    ("tech/249", "", "", ""),
    ("tech/209", "", "", ""),
    ("tech/173", "", "", ""),
]
ALLOWED_CATEGORIES = ("sport", "entertainment", "tech")


# --- reading the mirror ----------------------------------------------------------------------------


def bbc_articles(repo: Path, problems: list[str]) -> list[dict]:
    out = []
    for name, published, cue, how in BBC_FILES:
        if name.split("/")[0] not in ALLOWED_CATEGORIES:
            problems.append(f"bbc:{name}: category not allowed")
        path = f"bbc/{name}.txt"
        raw = git_show(repo, BBC_COMMIT, path)
        origin = {"repo": BBC_REPO, "commit": BBC_COMMIT, "path": path}
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # one file has a bare Latin-1 pound sign
            text = raw.decode("cp1252")
            origin["encoding"] = "cp1252"
        title, _, body = clean_lines(text).partition("\n")
        a = {"key": f"bbc:{name}", "title": title.strip(), "source": "BBC News",
             "published": published, "url": "", "body": body.strip("\n"), "date_cue": cue,
             "origin": origin}
        if how:
            a["date_from"] = how
        out.append(a)
    return out


# --- sentences and normalisation (as in the dev build) ---------------------------------------------


# --- the dev set: nothing may be shared with it -----------------------------------------------------
def check_dev(articles: list[dict], dev_dir: Path, problems: list[str]) -> dict:
    corpus = dev_dir / "corpus"
    manifest = dev_dir / "manifest.json"
    if not corpus.is_dir() or not manifest.is_file():
        problems.append(f"dev set not found at {dev_dir} (needed for the overlap check)")
        return {}
    dev_paths = {(f["origin"]["repo"], f["origin"]["path"])
                 for f in json.loads(manifest.read_text(encoding="utf-8"))["files"]}
    dev_files = sorted(corpus.glob("*.txt"))
    dev_names = {p.name for p in dev_files}
    dev_titles: dict[str, str] = {}
    dev_runs: dict[str, str] = {}
    for p in dev_files:
        text = p.read_text(encoding="utf-8")
        dev_titles[norm(text.split("\n", 1)[0])] = p.name
        for r in runs(text):
            dev_runs.setdefault(r, p.name)
    for a in articles:
        if (a["origin"]["repo"], a["origin"]["path"]) in dev_paths:
            problems.append(f"{a['key']}: is a dev-set file ({a['origin']['path']})")
        if a["file"] in dev_names:
            problems.append(f"{a['key']}: file name {a['file']} is in the dev corpus")
        if norm(a["title"]) in dev_titles:
            problems.append(f"{a['key']}: title {a['title']!r} is in the dev corpus "
                            f"({dev_titles[norm(a['title'])]})")
        shared = sorted(r for r in runs(a["text"]) if r in dev_runs)
        if shared:
            problems.append(f"{a['key']}: {len(shared)} 10-word run(s) shared with the dev corpus, "
                            f"e.g. {shared[0]!r} ({dev_runs[shared[0]]})")
    return {"dev_files": len(dev_files), "dev_origin_paths": len(dev_paths)}


# --- build -----------------------------------------------------------------------------------------
def build(args: argparse.Namespace) -> int:
    out = Path(args.out)
    problems: list[str] = []
    articles = bbc_articles(git_dir(args.mirror), problems)

    seen: dict[str, str] = {}
    titles: dict[str, str] = {}
    for a in articles:
        digest = hashlib.sha1(norm(a["body"]).encode()).hexdigest()
        if digest in seen:
            problems.append(f"{a['key']}: same text as {seen[digest]}")
        seen[digest] = a["key"]
        if norm(a["title"]) in titles:
            problems.append(f"{a['key']}: same title as {titles[norm(a['title'])]}")
        titles[norm(a["title"])] = a["key"]
        if bool(a["published"]) != bool(a["date_cue"]):
            problems.append(f"{a['key']}: a date needs a cue, and a cue a date")
        if a["published"] and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", a["published"]):
            problems.append(f"{a['key']}: bad date {a['published']!r}")
        if a["date_cue"] and a["date_cue"] not in a["body"]:
            problems.append(f"{a['key']}: date cue not in text: {a['date_cue']!r}")

    by_key: dict[str, dict] = {}
    for n, a in enumerate(articles, start=1):
        a["file"] = f"{n:03d}_{slugify(a['title'])}.txt"
        header = f"Source: {a['source']} | Published: {a['published']} | URL: {a['url']}"
        a["text"] = f"{a['title']}\n{header}\n\n{a['body']}\n"
        by_key[a["key"]] = a

    by_file = {a["file"]: a for a in articles}
    dev_info = check_dev(articles, Path(args.dev), problems)

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
                if item[2] not in e["fact"] or not has(e["fact"], item[2]):
                    problems.append(f"{qid}: {qtype} value {item[2]!r} not verbatim in its sentence")
            evidence.append(e)
            used_files.add(e["file"])
        gold = q["a"] if answerable else ""
        if answerable:
            alts = gold if isinstance(gold, list) else [gold]
            if not evidence:
                problems.append(f"{qid}: answerable but no evidence")
            for x in alts:  # every gold string is stated verbatim by some evidence sentence
                if not any(x in e["fact"] and has(e["fact"], x) for e in evidence):
                    problems.append(f"{qid}: gold string {x!r} is verbatim in no evidence sentence")
            if qtype == "conflict" and len({e["value"] for e in evidence}) < 2:
                problems.append(f"{qid}: a conflict needs two differing values")
            if qtype == "conflict":
                for e in evidence:
                    if e["value"] not in alts:
                        problems.append(f"{qid}: conflict value {e['value']!r} is not a gold answer")
            if qtype == "latest":
                newest = evidence[-1] if evidence else None
                files = [e["file"] for e in evidence]
                if len(set(files)) < 2:
                    problems.append(f"{qid}: a latest question needs two reports")
                if newest and not any(has(newest["value"], x) or has(x, newest["value"]) for x in alts):
                    problems.append(f"{qid}: latest answer is not the newest value {newest['value']!r}")
                dates = [by_file[f]["published"] for f in files if by_file[f]["published"]]
                if dates != sorted(dates):
                    problems.append(f"{qid}: dated reports are not in date order: {dates}")
        elif q.get("a"):
            problems.append(f"{qid}: unanswerable question has a gold answer")
        row = {"id": qid, "question": q["q"], "answer": gold, "answerable": answerable,
               "type": qtype, "evidence": evidence}
        if q.get("also"):
            row["accept_also"] = q["also"]
        if q.get("all"):
            row["answer_all"] = q["all"]
        if qtype == "followup":
            if not q.get("history"):
                problems.append(f"{qid}: follow-up without history")
            row["history"] = q.get("history", [])
        if not answerable:
            near = fact(qid, *q["near"])
            row["near_miss"] = near["fact"] if near else ""
            row["near_miss_file"] = near["file"] if near else ""
            if near:
                used_files.add(near["file"])
        if q.get("note"):
            row["note"] = q["note"]
        rows.append(row)

    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"FAILED: {len(problems)} problem(s); nothing written", file=sys.stderr)
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

    wc = sorted(len(a["body"].split()) for a in articles)
    by_type: dict[str, int] = {}
    for r in rows:
        by_type[r["type"]] = by_type.get(r["type"], 0) + 1
    manifest = {
        "sources": [
            {"repo": BBC_REPO, "commit": BBC_COMMIT, "files": "bbc/<category>/NNN.txt",
             "categories": list(ALLOWED_CATEGORIES), "articles": len(articles),
             "licence": "BBC full-text dataset (Greene & Cunningham, ICML 2006); all rights in the "
                        "articles owned by the BBC; non-commercial research use"},
        ],
        "articles": len(articles),
        "words_total": sum(wc), "words_median": wc[len(wc) // 2],
        "words_min": wc[0], "words_max": wc[-1],
        "with_published": sum(1 for a in articles if a["published"]),
        "articles_without_questions": sum(1 for a in articles if a["file"] not in used_files),
        "questions": len(rows),
        "questions_by_type": dict(sorted(by_type.items())),
        "answerable": sum(r["answerable"] for r in rows),
        "dev_overlap_check": {"dev_dir": str(args.dev), **dev_info,
                              "shared_files": 0, "shared_titles": 0, "shared_10_word_runs": 0},
        "files": [{"file": a["file"], "key": a["key"], "published": a["published"],
                   **({"date_cue": a["date_cue"], "date_from": a["date_from"]} if a["date_cue"] else {}),
                   "origin": a["origin"]} for a in articles],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    print(f"{len(articles)} articles, {len(rows)} questions: {manifest['questions_by_type']}")
    return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror", required=True, help=f"git mirror of {BBC_REPO}")
    ap.add_argument("--questions", default=str(HERE / "questions_src.py"))
    ap.add_argument("--dev", default=DEV_DIR, help="the dev set (for the overlap check)")
    ap.add_argument("--out", default=str(HERE))
    sys.exit(build(ap.parse_args()))


if __name__ == "__main__":
    main()
