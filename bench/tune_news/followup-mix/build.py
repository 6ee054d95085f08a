#!/usr/bin/env python3
"""Build the tuning news set "followup-mix": BBC sport/entertainment articles and WikiRef220
articles + hand-written chat questions, most of them follow-ups (standard library only).

Reads two pinned git mirrors with ``git show`` and writes under --out:

  corpus/NNN_slug.txt   one article per file: title / "Source: | Published: | URL:" / blank / body
  questions.jsonl       the questions of questions_src.py, evidence resolved to verbatim sentences
  manifest.json         sources, commits, counts and the origin of every corpus file

Usage:
  python3 build.py --bbc-mirror <git dir of dejanbatanjac/bbc-article-classify-bert> \\
                   --wikiref-mirror <git dir of dpacassi/dynamic-event-detection-in-data-streams> \\
                   --out /work/tune-news/followup-mix

The format is the dev set's (/work/shared/eval-dev/news/, make_dev_news.py). The build fails
(exit status 1, nothing written) when:
  - an evidence snippet or near-miss snippet is not in its article body, or an evidence sentence
    (fact) is not verbatim in its article;
  - a gold answer string (not accept_also) is not verbatim in any of its evidence sentences, or
    fails the normalised whole-word match the scorer uses; an answer_all part is in no sentence;
  - a date cue is not in its article, or a date has no cue (or a cue no date);
  - an unanswerable question has a gold answer or no near miss; an answerable one no evidence;
  - a follow-up has no history (or more than two turns), or a history question is not itself an
    answerable question of this set listed before it (unanswerable follow-ups are checked the
    same way);
  - a BBC article is not from sport or entertainment, or a WikiRef220 article is from a story
    the held-out set wikiref-c uses;
  - an article is a file of the dev set or of a held-out set (by origin path), or shares a file
    name, a title (normalised), or any run of 10 normalised words with a file of the dev corpus
    or of a held-out corpus (/work/heldout-news/*/corpus);
  - two articles have the same text or title.
No randomness, no timestamps: two runs give identical output.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # bench/: the shared kit
from articles_src import ARTICLES, WIKIREF_C_FILES, WIKIREF_C_STORY_PREFIXES  # this folder
from newsset_kit import clean_lines, git_dir, git_show, has, norm, runs, sentence_of, slugify

HERE = Path(__file__).resolve().parent

BBC_REPO = "dejanbatanjac/bbc-article-classify-bert"
BBC_COMMIT = "8265dc84e88b82b87ce7f5b2df5bbbb1159ae922"
WR_REPO = "dpacassi/dynamic-event-detection-in-data-streams"
WR_COMMIT = "3207bdee91d7f14cc60dc05dd9c64fe48f37e516"
WR_DIR = "app/data_processing/test_data/wikiref/WikiRef220"
DEV_DIR = "/work/shared/eval-dev/news"
HELDOUT_DIR = "/work/heldout-news"
NGRAM = 10
UNANSWERABLE = "Insufficient information."
ALLOWED_BBC = ("sport", "entertainment")
TYPES = {"how_many", "who", "when", "where", "what", "why", "followup", "unanswerable"}

# --- reading the mirrors ---------------------------------------------------------------------------


def read_articles(bbc: Path, wr: Path, problems: list[str]) -> list[dict]:
    out = []
    for key, published, cue, how, story in ARTICLES:
        src, _, name = key.partition(":")
        if src == "bbc":
            if name.split("/")[0] not in ALLOWED_BBC:
                problems.append(f"{key}: BBC category not allowed (sport and entertainment only)")
            path = f"bbc/{name}.txt"
            raw = git_show(bbc, BBC_COMMIT, path)
            origin = {"repo": BBC_REPO, "commit": BBC_COMMIT, "path": path}
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("cp1252")
                origin["encoding"] = "cp1252"
            source = "BBC News"
        elif src == "wr":
            if name in WIKIREF_C_FILES or name.startswith(WIKIREF_C_STORY_PREFIXES):
                problems.append(f"{key}: a story of the held-out set wikiref-c")
            path = f"{WR_DIR}/{name}.txt"
            text = git_show(wr, WR_COMMIT, path).decode("cp1252")
            origin = {"repo": WR_REPO, "commit": WR_COMMIT, "path": path, "encoding": "cp1252"}
            source = ""  # WikiRef220 records no outlet (as in the dev set)
        else:
            problems.append(f"{key}: unknown source")
            continue
        title, _, body = clean_lines(text).partition("\n")
        a = {"key": key, "title": title.strip(), "source": source, "published": published,
             "url": "", "body": body.strip("\n"), "date_cue": cue, "story": story, "origin": origin}
        if how:
            a["date_from"] = how
        out.append(a)
    return out


# --- sentences and normalisation (as in the dev build) ---------------------------------------------


# --- the dev set and the held-out sets: nothing may be shared with them ------------------------------
def other_sets(dev_dir: Path, heldout_dir: Path, problems: list[str]) -> list[tuple[str, Path]]:
    sets = [("dev", dev_dir)]
    if heldout_dir.is_dir():
        sets += [(f"heldout/{p.name}", p) for p in sorted(heldout_dir.iterdir()) if p.is_dir()]
    else:
        problems.append(f"held-out sets not found at {heldout_dir} (needed for the overlap check)")
    return sets


def check_overlap(articles: list[dict], sets: list[tuple[str, Path]], problems: list[str]) -> list[dict]:
    report = []
    for label, d in sets:
        corpus, manifest = d / "corpus", d / "manifest.json"
        if not corpus.is_dir() or not manifest.is_file():
            problems.append(f"{label}: corpus/ or manifest.json missing at {d} (needed for the overlap check)")
            continue
        paths = {(f["origin"]["repo"], f["origin"]["path"])
                 for f in json.loads(manifest.read_text(encoding="utf-8"))["files"]}
        files = sorted(corpus.glob("*.txt"))
        names = {p.name for p in files}
        titles: dict[str, str] = {}
        text_runs: dict[str, str] = {}
        for p in files:
            text = p.read_text(encoding="utf-8")
            titles[norm(text.split("\n", 1)[0])] = p.name
            for r in runs(text):
                text_runs.setdefault(r, p.name)
        for a in articles:
            if (a["origin"]["repo"], a["origin"]["path"]) in paths:
                problems.append(f"{a['key']}: is a file of {label} ({a['origin']['path']})")
            if a["file"] in names:
                problems.append(f"{a['key']}: file name {a['file']} is in {label}")
            if norm(a["title"]) in titles:
                problems.append(f"{a['key']}: title {a['title']!r} is in {label} ({titles[norm(a['title'])]})")
            shared = sorted(r for r in runs(a["text"]) if r in text_runs)
            if shared:
                problems.append(f"{a['key']}: {len(shared)} {NGRAM}-word run(s) shared with {label}, "
                                f"e.g. {shared[0]!r} ({text_runs[shared[0]]})")
        report.append({"set": label, "files": len(files), "origin_paths": len(paths)})
    return report


# --- build -----------------------------------------------------------------------------------------
def build(args: argparse.Namespace) -> int:
    out = Path(args.out)
    problems: list[str] = []
    articles = read_articles(git_dir(args.bbc_mirror), git_dir(args.wikiref_mirror), problems)

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

    overlap = check_overlap(articles, other_sets(Path(args.dev), Path(args.heldout), problems), problems)

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
        if a["text"].find(snippet, pos + 1) >= 0:
            problems.append(f"{qid}: snippet occurs twice in {key}: {snippet[:70]!r}")
        sentence = sentence_of(a["text"], pos, pos + len(snippet))
        if sentence not in a["text"] or snippet not in sentence:
            problems.append(f"{qid}: evidence sentence not verbatim in {a['file']}")
        return {"file": a["file"], "title": a["title"], "url": a["url"], "fact": sentence}

    rows = []
    ids: set[str] = set()
    answerable_before: set[str] = set()
    texts: set[str] = set()
    used_files: set[str] = set()
    kinds: dict[str, int] = {}
    for q in ns["QUESTIONS"]:
        qid, qtype = q["id"], q["type"]
        if qid in ids:
            problems.append(f"{qid}: duplicate id")
        ids.add(qid)
        if qtype not in TYPES:
            problems.append(f"{qid}: unknown type {qtype!r}")
        if q["q"] in texts:
            problems.append(f"{qid}: the same question text twice: {q['q']!r}")
        texts.add(q["q"])
        answerable = qtype != "unanswerable"
        evidence = []
        seen_ev = set()
        for key, snippet in q.get("ev", []):
            e = fact(qid, key, snippet)
            if e is None:
                continue
            if (e["file"], e["fact"]) in seen_ev:
                continue  # two snippets of one sentence: one evidence entry
            seen_ev.add((e["file"], e["fact"]))
            evidence.append(e)
            used_files.add(e["file"])
        if answerable:
            gold = q.get("a")
            alts = gold if isinstance(gold, list) else [gold]
            if not evidence:
                problems.append(f"{qid}: answerable but no evidence")
            if not alts or not all(isinstance(x, str) and x for x in alts):
                problems.append(f"{qid}: answerable but no gold answer")
                alts = []
            for x in alts:  # every gold string is stated verbatim by some evidence sentence
                if not any(x in e["fact"] and has(e["fact"], x) for e in evidence):
                    problems.append(f"{qid}: gold string {x!r} is verbatim in no evidence sentence")
            for x in q.get("all", []):
                if not any(x in e["fact"] and has(e["fact"], x) for e in evidence):
                    problems.append(f"{qid}: answer_all part {x!r} is in no evidence sentence")
            if q.get("near"):
                problems.append(f"{qid}: an answerable question has a near miss")
        else:
            gold = UNANSWERABLE
            if q.get("a") or q.get("ev"):
                problems.append(f"{qid}: unanswerable question has a gold answer or evidence")
            if not q.get("near"):
                problems.append(f"{qid}: unanswerable question without a near miss")
        history = q.get("history")
        if qtype == "followup" and not history:
            problems.append(f"{qid}: follow-up without history")
        if history is not None:
            if not isinstance(history, list) or not 1 <= len(history) <= 2:
                problems.append(f"{qid}: history must list one or two earlier questions")
                history = []
            for h in history:
                if h not in answerable_before:
                    problems.append(f"{qid}: history question {h!r} is not an answerable question "
                                    f"listed before it in this set")
            if qtype not in ("followup", "unanswerable"):
                problems.append(f"{qid}: only follow-ups (answerable or not) carry a history")
            if not q.get("kind"):
                problems.append(f"{qid}: a follow-up needs its kind")
            kinds[q.get("kind", "")] = kinds.get(q.get("kind", ""), 0) + 1
        row = {"id": qid, "question": q["q"], "answer": gold, "answerable": answerable,
               "type": qtype, "evidence": evidence}
        if q.get("also"):
            row["accept_also"] = q["also"]
        if q.get("all"):
            row["answer_all"] = q["all"]
        if history:
            row["history"] = history
        if not answerable:
            near = fact(qid, *q["near"]) if q.get("near") else None
            row["near_miss"] = near["fact"] if near else ""
            row["near_miss_file"] = near["file"] if near else ""
            if near:
                used_files.add(near["file"])
        if q.get("note"):
            row["note"] = q["note"]
        rows.append(row)
        if answerable:
            answerable_before.add(q["q"])

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
    stories: dict[str, int] = {}
    for a in articles:
        stories[a["story"]] = stories.get(a["story"], 0) + 1

    def count(src: str) -> int:
        return sum(1 for a in articles if a["key"].startswith(src + ":"))

    manifest = {
        "sources": [
            {"repo": BBC_REPO, "commit": BBC_COMMIT, "files": "bbc/<category>/NNN.txt",
             "categories": list(ALLOWED_BBC), "articles": count("bbc"),
             "licence": "BBC full-text dataset (Greene & Cunningham, ICML 2006); all rights in the "
                        "articles owned by the BBC; non-commercial research use"},
            {"repo": WR_REPO, "commit": WR_COMMIT, "files": f"{WR_DIR}/*.txt", "articles": count("wr"),
             "licence": "WikiRef220 (Gialampoukidis et al., MLDM 2016) as copied into a thesis "
                        "repository; article texts are the publishers' copyright; research use"},
        ],
        "articles": len(articles),
        "stories": {k: v for k, v in stories.items() if k != "distractor"},
        "distractors": stories.get("distractor", 0),
        "words_total": sum(wc), "words_median": wc[len(wc) // 2],
        "words_min": wc[0], "words_max": wc[-1],
        "with_published": sum(1 for a in articles if a["published"]),
        "articles_without_questions": sum(1 for a in articles if a["file"] not in used_files),
        "questions": len(rows),
        "questions_by_type": dict(sorted(by_type.items())),
        "answerable": sum(r["answerable"] for r in rows),
        "with_history": sum(1 for r in rows if r.get("history")),
        "unanswerable_with_history": sum(1 for r in rows if r.get("history") and not r["answerable"]),
        "overlap_check": {"against": overlap, "shingle_words": NGRAM,
                          "checked": ["origin path", "file name", "title", "text runs"],
                          "shared": 0},
        "files": [{"file": a["file"], "key": a["key"], "story": a["story"], "published": a["published"],
                   **({"date_cue": a["date_cue"], "date_from": a["date_from"]} if a["date_cue"] else {}),
                   "origin": a["origin"]} for a in articles],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    print(f"{len(articles)} articles, {len(rows)} questions: {manifest['questions_by_type']}; "
          f"{manifest['with_history']} with history")
    return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bbc-mirror", required=True, help=f"git dir of {BBC_REPO}")
    ap.add_argument("--wikiref-mirror", required=True, help=f"git dir of {WR_REPO}")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--questions", default=str(HERE / "questions_src.py"))
    ap.add_argument("--dev", default=DEV_DIR, help="the dev set (for the overlap check)")
    ap.add_argument("--heldout", default=HELDOUT_DIR, help="folder of the held-out sets (overlap check)")
    sys.exit(build(ap.parse_args()))


if __name__ == "__main__":
    main()
