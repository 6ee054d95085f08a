#!/usr/bin/env python3
"""Build the bbc-d held-out news QA set (standard library only).

Reads one pinned git mirror of dejanbatanjac/bbc-article-classify-bert (the BBC News full-text
dataset, 2004-05) with `git show` and writes under --out:

  corpus/NNN_slug.txt   one article per file: title / "Source: | Published: | URL:" / blank / body
  questions.jsonl       the questions of questions_src.py, evidence resolved to verbatim sentences
  manifest.json         source, commit, counts, and each file's origin and date cue

Usage:
  python3 build.py --mirror <git dir of the BBC mirror> --out DIR

The format follows shared/eval-dev/news (make_dev_news.py). The build exits non-zero when:
  - an evidence snippet is missing from its article body, or its sentence is not verbatim;
  - no acceptable gold string is in the evidence sentences of an answerable question, or a
    conflict/latest "value" is not in its own sentence, or a conflict has fewer than two values;
  - a date cue is not in its article, or a date has no cue (or a cue no date);
  - a corpus file is a file used by the dev set or by heldout-news/bbc-a or bbc-b (by origin
    path, or by identical text to such a file), or shares a file name, a title or any run of
    10 normalised words with their corpus articles;
  - two corpus articles have the same text, an id repeats, or a follow-up has no history.
No randomness: two runs give identical output.
"""
from __future__ import annotations

import argparse
import json
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
UNANSWERABLE_ANSWER = "Insufficient information."  # as in the dev set
SHINGLE = 10  # words: no run this long may be shared with another set's corpus article
OTHER_SETS = ["/work/shared/eval-dev/news", "/work/heldout-news/bbc-a",
              "/work/heldout-news/bbc-b"]

# --- article selection ---------------------------------------------------------------------------
# (file, published, date cue in the body, how the date follows from the cue)
# The BBC dataset has no dates. A date is given only where the body fixes the day through a cue
# plus a publicly known event date; the cue must occur in the body.
BBC_FILES: list[tuple[str, str, str, str]] = [
    # the dollar against the euro
    ("business/350", "2004-12-27", "at 1800 GMT on Monday",
     "Monday of thin holiday trading ('about half that of a normal working day') after the "
     "Friday record: Monday 27 Dec 2004"),
    ("business/374", "2004-12-31", "after hitting a fresh record low of $1.3667 on Thursday",
     "record low of $1.3667 set on Thursday 30 Dec 2004 (Chicago PMI day); report of Friday "
     "31 Dec 2004, looking ahead to January"),
    ("business/002", "2005-02-04",
     "On Friday, Federal Reserve chairman Mr Greenspan's speech in London",
     "Greenspan's London speech before the G7 finance ministers' meeting: Friday 4 Feb 2005"),
    # oil prices
    ("business/270", "2004-12-02",
     "said the cartel was likely to keep output unchanged when it meets next week",
     "Thursday before the Opec meeting of 10 Dec 2004 in Cairo: Thursday 2 Dec 2004"),
    ("business/351", "2004-12-27",
     "London's International Petroleum Exchange remained closed for the Christmas holiday",
     "the day after the 26 Dec 2004 tsunami ('Asia's tidal waves'), a UK bank holiday: "
     "Monday 27 Dec 2004"),
    ("business/138", "", "", ""), ("business/045", "", "", ""),
    # Borussia Dortmund's finances
    ("business/193", "", "", ""), ("business/219", "", "", ""),
    # Fannie Mae accounting
    ("business/298", "", "", ""), ("business/326", "", "", ""),
    # the Ambani feud at Reliance
    ("business/352", "", "", ""), ("business/379", "", "", ""), ("business/486", "", "", ""),
    # Mitsubishi Motors and Peugeot
    ("business/431", "", "", ""), ("business/013", "", "", ""),
    # Turkcell and Iran
    ("business/092", "", "", ""), ("business/074", "", "", ""),
    # Xstrata's bid for WMC
    ("business/366", "", "", ""), ("business/125", "", "", ""),
    # UK house prices
    ("business/415", "", "", ""), ("business/405", "", "", ""), ("business/170", "", "", ""),
    # Blunkett and the nanny's visa
    ("politics/102", "", "", ""),
    ("politics/112", "2004-12-19",
     "YouGov polled a weighted sample of 1,981 voters online on 16-18 December",
     "Sunday Times poll taken 16-18 Dec 2004, published Sunday 19 Dec 2004"),
    ("politics/206", "", "", ""),
    # ID cards
    ("politics/141", "", "", ""), ("politics/049", "", "", ""),
    ("politics/227", "2004-12-19", "On Sunday, Lib Dem leader Charles Kennedy repeated his call",
     "written on Sunday before the ID Cards Bill second reading 'on Monday' (20 Dec 2004): "
     "Sunday 19 Dec 2004"),
    # calling the general election
    ("politics/401", "", "", ""), ("politics/395", "", "", ""), ("politics/397", "", "", ""),
    # 50 Cent and The Game
    ("entertainment/282", "", "", ""), ("entertainment/285", "", "", ""),
    ("entertainment/288", "2005-03-09",
     "the truce came on the anniversary of the death of the Notorious BIG in 1997",
     "Notorious BIG died on 9 Mar 1997; the truce was 'on Wednesday', 9 Mar 2005"),
    # Santini leaves Tottenham
    ("sport/202", "", "", ""), ("sport/207", "", "", ""),
    # the Delta blogger
    ("tech/102", "", "", ""),
    ("tech/133", "2004-11-03", "A Delta spokesperson confirmed on Wednesday",
     "fired on Monday 1 Nov 2004; Delta's pilot deal 'last week' (28 Oct 2004): "
     "Wednesday 3 Nov 2004"),
    # the Cell chip for PlayStation 3
    ("tech/018", "", "", ""), ("tech/320", "", "", ""),
    # distractors (single stories)
    ("business/128", "", "", ""), ("business/474", "", "", ""), ("business/256", "", "", ""),
    ("business/267", "", "", ""), ("politics/236", "", "", ""), ("politics/408", "", "", ""),
    ("entertainment/105", "", "", ""), ("entertainment/140", "", "", ""),
    ("sport/425", "", "", ""), ("tech/065", "", "", ""),
]


# --- reading the mirror --------------------------------------------------------------------------


def bbc_articles(repo: Path) -> list[dict]:
    out = []
    for name, published, cue, how in BBC_FILES:
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


# --- sentences and normalisation (as in make_dev_news.py) ----------------------------------------


# --- overlap with the dev set and the other held-out sets ----------------------------------------
def overlap(articles: list[dict], repo: Path, others: list[Path]) -> list[str]:
    problems = []
    used_paths: set[str] = set()
    names: dict[str, str] = {}
    titles: dict[str, str] = {}
    runs: dict[str, str] = {}
    for d in others:
        man = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        for f in man["files"]:
            o = f.get("origin") or {}
            if o.get("repo") == BBC_REPO:
                used_paths.add(o["path"])
        for p in sorted((d / "corpus").glob("*.txt")):
            text = p.read_text(encoding="utf-8")
            names[p.name] = d.name
            titles[norm(text.split("\n", 1)[0])] = f"{d.name}/{p.name}"
            for s in shingles(text, SHINGLE):
                runs.setdefault(s, f"{d.name}/{p.name}")
    used_text = {digest(split_article(git_show(repo, BBC_COMMIT, p))[1]) for p in used_paths}
    for a in articles:
        if a["origin"]["path"] in used_paths:
            problems.append(f"{a['key']}: used by another set")
        if digest(a["body"]) in used_text:
            problems.append(f"{a['key']}: same text as a file used by another set")
        if a["file"] in names:
            problems.append(f"{a['key']}: file name {a['file']} also in {names[a['file']]}")
        if norm(a["title"]) in titles:
            problems.append(f"{a['key']}: title also in {titles[norm(a['title'])]}")
        shared = sorted(s for s in shingles(a["title"] + "\n" + a["body"], SHINGLE) if s in runs)
        if shared:
            problems.append(f"{a['key']}: {len(shared)} 10-word runs shared with "
                            f"{runs[shared[0]]}, e.g. {shared[0]!r}")
    return problems


# --- build ---------------------------------------------------------------------------------------
def build(args: argparse.Namespace) -> int:
    out = Path(args.out)
    repo = git_dir(args.mirror)
    articles = bbc_articles(repo)
    problems: list[str] = []
    seen: dict[str, str] = {}
    for n, a in enumerate(articles, start=1):
        a["file"] = f"{n:03d}_{slugify(a['title'])}.txt"
        d = digest(a["body"])
        if d in seen:
            problems.append(f"{a['key']}: same text as {seen[d]}")
        seen[d] = a["key"]
        if bool(a["published"]) != bool(a["date_cue"]):
            problems.append(f"{a['key']}: a date needs a cue, and a cue a date")
        if a["date_cue"] and a["date_cue"] not in a["body"]:
            problems.append(f"{a['key']}: date cue not in text: {a['date_cue']!r}")
    problems += overlap(articles, repo, [Path(p) for p in args.other])

    corpus = out / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for old in corpus.glob("*.txt"):
        old.unlink()
    by_key: dict[str, dict] = {}
    for a in articles:
        header = f"Source: {a['source']} | Published: {a['published']} | URL: {a['url']}"
        a["text"] = f"{a['title']}\n{header}\n\n{a['body']}\n"
        (corpus / a["file"]).write_text(a["text"], encoding="utf-8")
        by_key[a["key"]] = a

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
        gold = q["a"] if answerable else UNANSWERABLE_ANSWER
        if answerable:
            alts = gold if isinstance(gold, list) else [gold]
            joined = " ".join(e["fact"] for e in evidence)
            if not evidence:
                problems.append(f"{qid}: answerable but no evidence")
            for x in alts:  # every acceptable answer must be stated by some evidence sentence
                if not any(has(e["fact"], x) for e in evidence):
                    problems.append(f"{qid}: gold string {x!r} is in no evidence sentence")
            for part in q.get("all", []):
                if not has(joined, part):
                    problems.append(f"{qid}: answer_all part not in its evidence: {part!r}")
            if qtype == "conflict" and len({norm(e["value"]) for e in evidence}) < 2:
                problems.append(f"{qid}: a conflict needs two differing values")
            if qtype == "latest" and not has(evidence[0]["fact"], alts[0]):
                problems.append(f"{qid}: the newest report (first evidence) must give the answer")
        elif q.get("ev"):
            problems.append(f"{qid}: unanswerable question with evidence")
        row = {"id": qid, "question": q["q"], "answer": gold, "answerable": answerable,
               "type": qtype, "evidence": evidence}
        if q.get("also"):  # other renderings of the answer, not in the text
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
        if q.get("note"):
            row["note"] = q["note"]
        rows.append(row)

    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    with (out / "questions.jsonl").open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")

    words = sorted(len(a["body"].split()) for a in articles)
    by_type: dict[str, int] = {}
    for r in rows:
        by_type[r["type"]] = by_type.get(r["type"], 0) + 1
    cited = {e["file"] for r in rows for e in r["evidence"]}
    cited |= {r["near_miss_file"] for r in rows if r.get("near_miss_file")}
    manifest = {
        "sources": [
            {"repo": BBC_REPO, "commit": BBC_COMMIT, "files": "bbc/<category>/NNN.txt",
             "categories": sorted({a["key"][4:].split("/")[0] for a in articles}),
             "articles": len(articles),
             "licence": "BBC full-text dataset (Greene & Cunningham, ICML 2006); all rights in "
                        "the articles owned by the BBC; non-commercial research use"},
        ],
        "articles": len(articles),
        "words_total": sum(words), "words_median": words[len(words) // 2],
        "words_min": words[0], "words_max": words[-1],
        "with_published": sum(1 for a in articles if a["published"]),
        "articles_without_questions": sum(1 for a in articles if a["file"] not in cited),
        "questions": len(rows),
        "questions_by_type": dict(sorted(by_type.items())),
        "answerable": sum(r["answerable"] for r in rows),
        "overlap_check": {"against": ["shared/eval-dev/news", "heldout-news/bbc-a",
                                      "heldout-news/bbc-b"],
                          "shingle_words": SHINGLE,
                          "checked": ["origin path", "identical text", "file name", "title",
                                      "text runs"]},
        "files": [{"file": a["file"], "key": a["key"], "published": a["published"],
                   **({"date_cue": a["date_cue"], "date_from": a["date_from"]}
                      if a["date_cue"] else {}),
                   "origin": a["origin"]} for a in articles],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    print(f"{len(articles)} articles, {len(rows)} questions: {manifest['questions_by_type']}")
    return 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mirror", required=True, help=f"git mirror of {BBC_REPO}")
    ap.add_argument("--out", default=str(HERE))
    ap.add_argument("--questions", default=str(HERE / "questions_src.py"))
    ap.add_argument("--other", action="append", default=None,
                    help="another set's folder (manifest.json + corpus/) to check overlap "
                         "against; repeatable; default: the dev set, bbc-a and bbc-b")
    args = ap.parse_args()
    if args.other is None:
        args.other = OTHER_SETS
    sys.exit(build(args))


if __name__ == "__main__":
    main()
