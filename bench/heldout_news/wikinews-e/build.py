#!/usr/bin/env python3
"""Build the held-out news set "wikinews-e" from WikinewsSum (standard library only).

Reads endataset.json at a pinned commit of airKlizz/WikinewsSum with `git show` and writes,
under --out (default: next to this script):

  corpus/NNN_slug.txt   one article per file: title / "Source: | Published: | URL:" / blank / body
  questions.jsonl       the questions of questions_src.py, evidence resolved to verbatim sentences
  manifest.json         source, commit, counts, and the origin and date cue of every corpus file

Usage:
  python3 build.py --mirror <git dir of airKlizz/WikinewsSum> [--out DIR]

The build exits non-zero when an evidence snippet is not in its article, when an acceptable
gold string is in no evidence sentence, when a conflict/latest value is not in its sentence,
when a date cue is not in its article, or when a corpus file name, title or 10-word run of
text (normalised) is shared with the dev corpus (/work/shared/eval-dev/news/corpus) or with
the corpus of another held-out set (/work/heldout-news/*/corpus). No randomness: two runs
give identical output.
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
SET_NAME = "wikinews-e"
WNS_REPO = "airKlizz/WikinewsSum"
WNS_COMMIT = "1d985031625909c908766812e8a18d0c88116ec8"  # endataset.json is gone at HEAD
WNS_FILE = "endataset.json"
DEV_CORPUS = Path("/work/shared/eval-dev/news/corpus")
HELDOUT_ROOT = Path("/work/heldout-news")
SHINGLE = 10
# Wikinews items whose pages the dev set uses (60 Rumsfeld, 39 Adelaide Test, 41 twine ball):
# none of their pages may be used here.
DEV_ITEMS = {39, 41, 60}

# --- article selection ---------------------------------------------------------------------
# key "III_JJ" = endataset.json line III (Wikinews story), sources[JJ].
# (key, story, title or None = the page's own title, outlet, published, date_from, date_cue)
# date_from: "url" (the date is in the URL), "text" (date_cue is in the body), "" (no date).
ARTICLES: list[tuple[str, str, str | None, str, str, str, str]] = [
    # Colin Powell resigns; Rice to succeed him (Wikinews item 5)
    ("005_00", "powell", None, "CNN", "2004-11-16", "url", ""),
    ("005_01", "powell", None, "Reuters AlertNet", "2004-11-15", "text",
     "WASHINGTON, Nov 15 (Reuters)"),
    ("005_02", "powell", None, "U.S. Department of State", "2004-11-15", "text",
     "November 15, 2004 (1:05 p.m. EST)"),
    ("005_03", "powell", None, "U.S. Department of State", "", "", ""),
    # Kmart to buy Sears (item 24)
    ("024_00", "kmart", None, "Forbes (Associated Press)", "2004-11-17", "url", ""),
    ("024_01", "kmart", "Kmart Buying Sears in $11.5 Billion Deal", "Reuters", "", "", ""),
    ("024_02", "kmart", None, "The Guardian", "", "", ""),
    ("024_03", "kmart", None, "BBC News", "", "", ""),
    ("024_04", "kmart", None, "CNN/Money", "2004-11-17", "url", ""),
    # English public health white paper, smoking ban (item 17)
    ("017_00", "health", "Reid's smoking ban attacked by both sides", "The Independent",
     "2004-11-17", "text", "17 November 2004"),
    ("017_01", "health", None, "The Guardian", "2004-11-17", "text",
     "Wednesday November 17, 2004"),
    ("017_02", "health", "Smoking ban plans labelled a 'bodge'", "The Daily Telegraph",
     "2004-11-17", "url", ""),
    ("017_03", "health", None, "BBC News", "", "", ""),
    ("017_05", "health", None, "BBC News", "", "", ""),
    # Chinese submarine in Japanese waters (item 25)
    ("025_04", "submarine", "Japan continues tracking mystery sub", "The Japan Times",
     "2004-11-12", "text", "The Japan Times: Nov. 12, 2004"),
    ("025_03", "submarine", "Chinese submarine intrusion considered an act of provocation",
     "The Japan Times", "2004-11-13", "text", "The Japan Times: Nov. 13, 2004"),
    ("025_00", "submarine", "Beijing says tech glitch led to sub intrusion", "The Japan Times",
     "2004-11-17", "text", "The Japan Times: Nov. 17, 2004"),
    ("025_05", "submarine", None, "GlobalSecurity.org", "", "", ""),
    # Band Aid 20 video (item 28)
    ("028_00", "bandaid", None, "BBC News", "", "", ""),
    ("028_01", "bandaid", None, "RTE", "2004-11-18", "url", ""),
    ("028_02", "bandaid", None, "BreakingNews.ie", "2004-11-18", "text", "18/11/2004 - 17:36:52"),
    ("028_04", "bandaid", None, "ITV News", "2004-11-18", "text", "6.28PM, Thu Nov 18 2004"),
    ("028_05", "bandaid", None, "Sky News", "", "", ""),
    # Indian Ocean tsunami (items 80, 84, 93, 94)
    ("080_01", "tsunami", None, "World Health Organization", "2004-12-28", "text",
     "28 December 2004 South Asia earthquake"),
    ("084_00", "tsunami", None, "UPI", "2004-12-29", "text", "Published 12/29/2004 1:57 PM"),
    ("093_00", "tsunami", None, "CNN", "2004-12-31", "url", ""),
    ("093_01", "tsunami", "US pledges 350 million dollars to help tsunami victims", "Xinhua",
     "2005-01-01", "url", ""),
    ("094_01", "tsunami", None, "BBC News", "", "", ""),
    # 26 Dec 2004 + 7 days; "the first contingent ... on Sunday" = 2 Jan 2005
    ("094_00", "tsunami", None, "BBC News", "2005-01-02", "text",
     "people are still being found alive seven days after the disaster"),
    # Asteroid 2004 MN4 (items 74 and 86)
    ("074_00", "asteroid", None, "NASA Near Earth Object Program", "2004-12-23", "text",
     "December 23, 2004 A recently rediscovered"),
    ("074_03", "asteroid", None, "Slashdot", "2004-12-24", "url", ""),
    ("086_00", "asteroid", None, "NASA Near Earth Object Program", "2004-12-27", "text",
     "December 27, 2004 Over the past week"),
    ("074_01", "asteroid", None, "NASA Near Earth Object Program", "2004-12-29", "text",
     "These results were computed on Dec 29, 2004"),
    # Pinochet under house arrest (item 98)
    ("098_00", "pinochet", None, "VOA News", "2005-01-05", "url", ""),
    ("098_01", "pinochet", None, "The Washington Times (UPI)", "2005-01-05", "url", ""),
    ("098_02", "pinochet", None, "BBC News", "", "", ""),
    # Lycos Europe "Make love not spam" screensaver (items 43 and 63)
    ("043_02", "lycos", None, "BBC News", "", "", ""),
    ("043_03", "lycos", "Lycos Europe screensaver floods spammers' servers",
     "Silicon Valley North", "2004-11-29", "url", ""),
    ("043_00", "lycos", None, "BBC News", "", "", ""),
    ("063_05", "lycos", None, "InformationWeek", "", "", ""),
    ("063_07", "lycos", None, "PC World", "2004-12-03", "text", "Friday, December 03, 2004"),
    ("063_08", "lycos", None, "Web User", "2004-12-06", "text", "December 6, 2004"),
    ("063_10", "lycos", None, "silicon.com", "", "", ""),
    ("063_11", "lycos", None, "CNET News.com", "", "", ""),
    # Nobel Peace Prize for Wangari Maathai (item 65)
    ("065_02", "nobel", None, "Nobelprize.org", "2004-10-08", "text", "Oslo, 8 October 2004."),
    ("065_04", "nobel", None, "Grist", "2004-10-08", "url", ""),
    ("065_00", "nobel", None, "MSNBC", "", "", ""),
    ("065_01", "nobel", None, "BBC News", "", "", ""),
    # Champions League last-16 draw (item 68)
    ("068_00", "ucl", None, "BBC Sport", "", "", ""),
    ("068_01", "ucl", "Chelsea paired with Barcelona in Champions League draw", "UEFA.com",
     "", "", ""),
    ("068_02", "ucl", None, "Guardian Unlimited", "", "", ""),
    ("068_03", "ucl", None, "The Daily Telegraph", "2004-12-17", "url", ""),
    # distractors: single pages of other stories
    ("025_01", "distractor", "Constitutional changes eyed to let female on throne, legalize "
     "military", "The Japan Times", "2004-11-18", "text", "The Japan Times: Nov. 18, 2004"),
    ("022_00", "distractor", None, "CNN", "2004-11-18", "url", ""),
    ("022_01", "distractor", None, "BBC News", "", "", ""),
    ("054_00", "distractor", None, "CNN", "2004-12-04", "url", ""),
    ("018_01", "distractor", None, "BBC Sport", "", "", ""),
    ("046_00", "distractor", None, "The Age", "2004-11-29", "url", ""),
    ("100_01", "distractor", None, "PhysOrg.com", "", "", ""),
    ("035_00", "distractor", "Ugly brawl leads to four indefinite suspensions",
     "Sports Illustrated", "2004-11-20", "url", ""),
]


# --- reading the mirror ----------------------------------------------------------------------


def load_articles(repo: Path, problems: list[str]) -> list[dict]:
    raw = git_show(repo, WNS_COMMIT, WNS_FILE).decode("utf-8")
    rows = [json.loads(line) for line in raw.splitlines() if line.strip()]
    out = []
    for key, story, title, outlet, published, date_from, cue in ARTICLES:
        i, j = (int(x) for x in key.split("_"))
        if i in DEV_ITEMS:
            problems.append(f"{key}: Wikinews item {i} is used by the dev set")
        src = rows[i]["sources"][j]
        body = clean_lines(src["maintext"])
        title_from = "page" if not title else ("body" if title in body else "written")
        title = title or clean_lines(src["title"])
        first, _, rest = body.partition("\n")
        if first.strip() == title:  # the page repeats its headline as the first line
            body = rest.strip("\n")
        if bool(cue) != (date_from == "text"):
            problems.append(f"{key}: a text date needs a cue, and a cue a text date")
        if date_from and not published:
            problems.append(f"{key}: date_from without a date")
        if cue and cue not in body:
            problems.append(f"{key}: date cue not in text: {cue!r}")
        ymd = published.replace("-", "")
        if date_from == "url" and ymd[2:] not in re.sub(r"\D", "", src["url"]):
            problems.append(f"{key}: URL date {published} not in {src['url']}")
        origin = {"repo": WNS_REPO, "commit": WNS_COMMIT, "path": WNS_FILE,
                  "wikinews_item": i, "wikinews_title": rows[i]["title"], "source_index": j,
                  "page_title": src.get("title"), "title_from": title_from,
                  "archive_url": src.get("archive_url"),
                  "date_from": date_from}
        out.append({"key": key, "story": story, "title": title.strip(), "source": outlet,
                    "published": published, "url": src["url"], "body": body,
                    "date_cue": cue, "origin": origin})
    return out


# --- sentences and normalisation (as in the dev set's build) -------------------------------


# --- overlap with the dev set and the other held-out sets -----------------------------------
def other_corpora(out: Path) -> list[Path]:
    dirs = [DEV_CORPUS]
    for d in sorted(HELDOUT_ROOT.glob("*/corpus")):
        if d.parent.name != SET_NAME and d.resolve() != (out / "corpus").resolve():
            dirs.append(d)
    return dirs


def overlap_check(articles: list[dict], out: Path, problems: list[str]) -> dict:
    dirs = other_corpora(out)
    if not DEV_CORPUS.is_dir():
        problems.append(f"dev corpus not found: {DEV_CORPUS}")
    names, titles, runs = set(), {}, {}
    n_files = 0
    for d in dirs:
        for f in sorted(d.glob("*.txt")):
            n_files += 1
            text = f.read_text(encoding="utf-8", errors="replace")
            names.add(f.name)
            titles[norm(text.partition("\n")[0])] = str(f)
            for s in shingles(text, SHINGLE):
                runs.setdefault(s, str(f))
    shared = {"files": 0, "titles": 0, "runs": 0}
    for a in articles:
        if a["file"] in names:
            shared["files"] += 1
            problems.append(f"{a['key']}: file name {a['file']} is used by another set")
        if norm(a["title"]) in titles:
            shared["titles"] += 1
            problems.append(f"{a['key']}: title shared with {titles[norm(a['title'])]}")
        hit = sorted(s for s in shingles(a["text"], SHINGLE) if s in runs)
        if hit:
            shared["runs"] += len(hit)
            problems.append(f"{a['key']}: {len(hit)} 10-word runs shared, e.g. with "
                            f"{runs[hit[0]]}: {hit[0]!r}")
    print(f"overlap check: {n_files} files in "
          + ", ".join(str(d.relative_to(HELDOUT_ROOT.parent)) for d in dirs)
          + f"; shared files {shared['files']}, titles {shared['titles']}, "
          f"10-word runs {shared['runs']}")
    # The manifest gets only what does not depend on which other sets exist at build time,
    # so that it stays byte for byte reproducible; nothing is written unless all counts are 0.
    return {"compared_with": [str(DEV_CORPUS), f"{HELDOUT_ROOT}/*/corpus (other sets)"],
            "checked": ["file name", "title", "10-word runs (normalised)"],
            "shingle_words": SHINGLE, "shared": 0}


# --- build ------------------------------------------------------------------------------------
def build(args: argparse.Namespace) -> int:
    out = Path(args.out)
    problems: list[str] = []
    articles = load_articles(git_dir(args.mirror), problems)
    seen: dict[str, str] = {}
    for n, a in enumerate(articles, start=1):
        digest = hashlib.sha1(norm(a["body"]).encode()).hexdigest()
        if digest in seen:
            problems.append(f"{a['key']}: same text as {seen[digest]}")
        seen[digest] = a["key"]
        a["file"] = f"{n:03d}_{slugify(a['title'])}.txt"
        header = f"Source: {a['source']} | Published: {a['published']} | URL: {a['url']}"
        a["text"] = f"{a['title']}\n{header}\n\n{a['body']}\n"
    by_key = {a["key"]: a for a in articles}
    overlap = overlap_check(articles, out, problems)

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

    rows, ids, used = [], set(), set()
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
            used.add(item[0])
            if qtype in ("conflict", "latest"):
                if len(item) < 3:
                    problems.append(f"{qid}: {qtype} evidence needs a value")
                    continue
                e["value"] = item[2]
                if not has(e["fact"], item[2]):
                    problems.append(f"{qid}: value {item[2]!r} not in its sentence")
            evidence.append(e)
        gold = q["a"] if answerable else "Insufficient information."
        if answerable:
            alts = gold if isinstance(gold, list) else [gold]
            if not evidence:
                problems.append(f"{qid}: answerable but no evidence")
            for x in alts:  # every acceptable answer must be stated by some evidence sentence
                if not any(has(e["fact"], x) for e in evidence):
                    problems.append(f"{qid}: gold string {x!r} is in no evidence sentence")
            if qtype == "conflict" and len({norm(e["value"]) for e in evidence}) < 2:
                problems.append(f"{qid}: a conflict needs two differing values")
            if qtype == "latest":
                dated = [(by_key[i[0]]["published"], i[2]) for i in q["ev"] if len(i) > 2]
                if len({norm(v) for _, v in dated}) < 2:
                    problems.append(f"{qid}: a latest question needs a value that changed")
                newest = max(dated)[1] if all(d for d, _ in dated) else None
                if newest is not None and not any(has(newest, x) for x in alts):
                    problems.append(f"{qid}: gold is not the newest dated value {newest!r}")
            if qtype == "followup" and not q.get("history"):
                problems.append(f"{qid}: followup without history")
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
            used.add(q["near"][0])
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
    stories: dict[str, int] = {}
    for a in articles:
        stories[a["story"]] = stories.get(a["story"], 0) + 1
    manifest = {
        "sources": [{
            "repo": WNS_REPO, "commit": WNS_COMMIT, "files": WNS_FILE,
            "articles": len(articles),
            "licence": "repository MIT (code); the scraped source pages are the publishers' "
                       "copyright; research and non-commercial evaluation use only"}],
        "articles": len(articles),
        "stories": stories,
        "distractors": stories.get("distractor", 0),
        "words_total": sum(words), "words_median": words[len(words) // 2],
        "words_min": words[0], "words_max": words[-1],
        "with_published": sum(1 for a in articles if a["published"]),
        "with_source": sum(1 for a in articles if a["source"]),
        "articles_without_questions": sum(1 for a in articles if a["key"] not in used),
        "questions": len(rows),
        "questions_by_type": dict(sorted(by_type.items())),
        "answerable": sum(r["answerable"] for r in rows),
        "overlap_check": overlap,
        "files": [{"file": a["file"], "key": f"wns:{a['key']}", "story": a["story"],
                   "published": a["published"],
                   **({"date_cue": a["date_cue"]} if a["date_cue"] else {}),
                   "origin": a["origin"]} for a in articles],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False)
                                       + "\n", encoding="utf-8")
    print(f"{len(articles)} articles, {len(rows)} questions: {manifest['questions_by_type']}")
    return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror", required=True, help=f"git mirror of {WNS_REPO}")
    ap.add_argument("--questions", default=str(HERE / "questions_src.py"))
    ap.add_argument("--out", default=str(HERE))
    sys.exit(build(ap.parse_args()))


if __name__ == "__main__":
    main()
