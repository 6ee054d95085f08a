"""The articles of the tuning set "followup-mix", as build.py takes them (data only)."""

# --- article selection ---------------------------------------------------------------------------
# (key, published, date cue in the text, how the date follows from the cue, story or "distractor")
# Dates only where the text fixes the day of writing, with the known date of the event:
# the 2004 Davis Cup final in Seville was played Fri 3 - Sun 5 Dec 2004; REM's cancelled Glasgow
# show was Tue 22 Feb 2005 (entertainment/287: "the original 22 February show"); the NYT TV Watch
# column on Michelle Obama's turn on "The View" ran on 19 June 2008 (its own correction says so).
A = tuple[str, str, str, str, str]
ARTICLES: list[A] = [
    # Davis Cup final 2004
    ("bbc:sport/491", "2004-12-03", "in the second singles match rubber of the 2004 Davis Cup final",
     "live report of Friday's second singles; the final's singles opened on Friday 3 Dec 2004",
     "Davis Cup final 2004"),
    ("bbc:sport/472", "2004-12-04", "victory in Saturday's doubles rubber, leaving Spain 2-1 ahead going into the final day",
     "report of the Saturday doubles, 4 Dec 2004, before 'the final day'", "Davis Cup final 2004"),
    ("bbc:sport/466", "2004-12-05", "Mardy Fish beat Tommy Robredo 7-6 (8-6) 6-2 in the final dead rubber",
     "report of the last day's rubbers, Sunday 5 Dec 2004", "Davis Cup final 2004"),
    ("bbc:sport/469", "", "", "", "Davis Cup final 2004"),
    # Bellamy and Souness
    ("bbc:sport/260", "", "", "", "Bellamy and Souness"),
    ("bbc:sport/187", "", "", "", "Bellamy and Souness"),
    ("bbc:sport/138", "", "", "", "Bellamy and Souness"),
    # Gerrard's future; the Carling Cup final
    ("bbc:sport/243", "", "", "", "Gerrard and Liverpool"),
    ("bbc:sport/274", "", "", "", "Gerrard and Liverpool"),
    ("bbc:sport/141", "", "", "", "Gerrard and Liverpool"),
    ("bbc:sport/177", "", "", "", "Gerrard and Liverpool"),
    # Arsenal v Manchester United
    ("bbc:sport/198", "", "", "", "Arsenal v Manchester United feud"),
    ("bbc:sport/188", "", "", "", "Arsenal v Manchester United feud"),
    ("bbc:sport/137", "", "", "", "Arsenal v Manchester United feud"),
    # Anelka
    ("bbc:sport/206", "", "", "", "Anelka and Manchester City"),
    ("bbc:sport/254", "", "", "", "Anelka and Manchester City"),
    # Radcliffe
    ("bbc:sport/040", "", "", "", "Radcliffe and the New York Marathon"),
    ("bbc:sport/042", "", "", "", "Radcliffe and the New York Marathon"),
    ("bbc:sport/065", "", "", "", "Radcliffe and the New York Marathon"),
    # Whitbread prizes
    ("bbc:entertainment/013", "", "", "", "Whitbread prizes"),
    ("bbc:entertainment/007", "", "", "", "Whitbread prizes"),
    # Brit awards
    ("bbc:entertainment/251", "", "", "", "Brit awards 2005"),
    ("bbc:entertainment/129", "", "", "", "Brit awards 2005"),
    # Little Britain
    ("bbc:entertainment/201", "", "", "", "Little Britain"),
    ("bbc:entertainment/212", "", "", "", "Little Britain"),
    ("bbc:entertainment/191", "", "", "", "Little Britain"),
    # REM
    ("bbc:entertainment/118", "2005-02-22", "have cancelled Tuesday's Glasgow date",
     "the cancelled Glasgow show was Tuesday 22 Feb 2005 (entertainment/287); written that day, "
     "with the band 'still hopeful' for Wednesday", "REM's Glasgow concert"),
    ("bbc:entertainment/287", "", "", "", "REM's Glasgow concert"),
    # Bond
    ("bbc:entertainment/333", "", "", "", "the next James Bond film"),
    ("bbc:entertainment/347", "", "", "", "the next James Bond film"),
    # John Peel's slot
    ("bbc:entertainment/231", "", "", "", "John Peel's Radio 1 slot"),
    ("bbc:entertainment/197", "", "", "", "John Peel's Radio 1 slot"),
    # Keegan and the 'boring' league (WikiRef premier.league; not a wikiref-c story)
    ("wr:premier.league.21", "", "", "", "Keegan and the 'boring' Premier League"),
    ("wr:premier.league.22", "", "", "", "Keegan and the 'boring' Premier League"),
    # Michelle Obama and The View, June 2008 (WikiRef michelle.obama; not a wikiref-c story)
    ("wr:michelle.obama.73", "", "", "", "Michelle Obama on The View"),
    ("wr:michelle.obama.70", "", "", "", "Michelle Obama on The View"),
    ("wr:michelle.obama.75", "2008-06-19", "The TV Watch column on June 19",
     "the correction at the end dates this TV Watch column to 19 June 2008", "Michelle Obama on The View"),
    # single-article distractors
    ("bbc:sport/500", "", "", "", "distractor"),
    ("bbc:sport/169", "", "", "", "distractor"),
    ("bbc:sport/312", "", "", "", "distractor"),
    ("bbc:entertainment/138", "", "", "", "distractor"),
    ("bbc:entertainment/295", "", "", "", "distractor"),
    ("wr:premier.league.25", "", "", "", "distractor"),
    ("wr:barack.obama.24", "", "", "", "distractor"),
    ("wr:malaysia.airlines.flight.230", "", "", "", "distractor"),
    ("wr:michelle.obama.103", "", "", "", "distractor"),
]
# WikiRef220 stories that the held-out set wikiref-c uses (its build.py): none may be taken here.
WIKIREF_C_FILES = {
    "samsung.galaxy.s5.15", "samsung.galaxy.s5.16", "samsung.galaxy.s5.19", "samsung.galaxy.s5.26",
    "samsung.galaxy.s5.35", "samsung.galaxy.s5.14", "samsung.galaxy.s5.27", "samsung.galaxy.s5.25",
    "samsung.galaxy.s5.21", "samsung.galaxy.s5.31", "samsung.galaxy.s5.32", "samsung.galaxy.s5.33",
    "samsung.galaxy.s5.37", "samsung.galaxy.s5.38", "samsung.galaxy.s5.39", "samsung.galaxy.s5.40",
    "samsung.galaxy.s5.6", "samsung.galaxy.s5.34", "samsung.galaxy.s5.13", "samsung.galaxy.s5.36",
    "michelle.obama.138", "michelle.obama.139", "michelle.obama.122", "michelle.obama.123",
    "michelle.obama.98", "michelle.obama.100", "michelle.obama.142", "michelle.obama.102",
    "michelle.obama.111", "michelle.obama.114", "michelle.obama.115",
    "premier.league.140", "premier.league.141", "premier.league.142", "premier.league.143",
    "premier.league.125", "premier.league.133", "premier.league.26", "premier.league.96",
    "premier.league.89",
    "debt.crisis.greece.81", "debt.crisis.greece.179", "debt.crisis.greece.178",
    "debt.crisis.greece.207", "debt.crisis.greece.263",
}
WIKIREF_C_STORY_PREFIXES = ("samsung.galaxy.s5.", "debt.crisis.greece.")
