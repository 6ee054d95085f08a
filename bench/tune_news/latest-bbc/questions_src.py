"""Hand-written questions for the tuning news set latest-bbc, read and checked by build.py.

Each entry: q (the question as a reader would type it), a (gold: a string or a list of
acceptable strings), type, ev = [(article key, snippet)] where the snippet is a verbatim piece of
the sentence that states the answer (the build expands it to the whole sentence); conflict and
latest questions give (key, snippet, value) per report, and latest questions list the newest
report first; unanswerable questions give near = (key, snippet) for the closest sentence.
also = renderings not in the text. note (latest): how the order of the reports is known.
Article keys: bbc:<category>/<NNN>.
"""

_Q: list[dict] = [
    # --- US interest rates (dated reports) -------------------------------------------------------
    dict(q="What's the US federal funds rate now?", type="latest", a="2.25%",
         ev=[("bbc:business/383", "Minutes of the December meeting which pushed rates up to 2.25%", "2.25%"),
             ("bbc:business/121", "raised its key federal funds rate by a quarter percentage point to 2%", "2%"),
             ("bbc:business/165", "taking borrowing costs to 1.75%", "1.75%")],
         note="dated reports: 1.75% (2004-10-29), 2% (2004-11-10), 2.25% after the 14 Dec meeting "
              "(2005-01-05); the newest report (2005-02-25) gives no rate"),
    dict(q="when is the next US rate rise expected", type="latest", a="22 March",
         also=["March 22", "March"],
         ev=[("bbc:business/094", "many expecting US rates to rise on 22 March", "22 March"),
             ("bbc:business/383", "a further boost to rates at the next meeting in early February", "early February"),
             ("bbc:business/121", "Another rise could be in store for December", "December")],
         note="dated reports: December (2004-11-10), early February (2005-01-05), 22 March (2005-02-25)"),
    dict(q="How many times has the Fed put rates up since June?", type="latest", a="five", also=["5"],
         ev=[("bbc:business/361", "prompting the Federal Reserve to increase interest rates five times since June", "five"),
             ("bbc:business/121", "US interest rates are to rise for the fourth time in five months", "fourth"),
             ("bbc:business/165", "has pushed through three quarter-point rate rises since June", "three")],
         note="dated reports: three (2004-10-29), the fourth (2004-11-10), five (2004-12-28); the "
              "2005-01-05 report's 'risen 1.25 percentage points during 2004' agrees with five"),
    dict(q="What will the Fed raise rates to in February?", type="unanswerable",
         near=("bbc:business/383", "The odds now favour a further boost to rates at the next meeting in early February")),
    # --- US growth (dated reports) ---------------------------------------------------------------
    dict(q="what was US growth in the third quarter, latest figure?", type="latest", a="4%",
         also=["4.0%"],
         ev=[("bbc:business/094", "Growth was at an annual rate of 4% in the third quarter of 2004", "4%"),
             ("bbc:business/121", "The economy grew 3.7% in the third quarter", "3.7%"),
             ("bbc:business/165", "The economy expanded at an annual rate of 3.7% in the July to September period", "3.7%")],
         note="dated reports: advance estimate 3.7% (2004-10-29, repeated 2004-11-10 and in the undated "
              "December output report); the 2005-02-25 report gives 4% for the third quarter"),
    dict(q="How fast did US consumer spending grow in Q3? I want the most recent number", type="latest",
         a="5.1%",
         ev=[("bbc:business/094", "down from the third quarter's 5.1%", "5.1%"),
             ("bbc:business/165", "consumer spending grew at 4.6% in the third quarter", "4.6%")],
         note="dated reports: 4.6% in the advance GDP report (2004-10-29), 5.1% in the report of "
              "2005-02-25"),
    # --- US retail sales -------------------------------------------------------------------------
    dict(q="How much did US retail sales rise in December? Latest figure please", type="latest",
         a="1.1%",
         ev=[("bbc:business/063", "In December, overall retail sales rose by 1.1%", "1.1%"),
             ("bbc:business/450", "Seasonally adjusted sales rose 1.2% in the month", "1.2%")],
         note="undated; the January retail report (fell 0.3% in January) gives December as 1.1%, "
              "the December report had said 1.2%"),
    dict(q="whats the most recent monthly US retail sales figure", type="latest", a="0.3%",
         also=["fell 0.3%", "-0.3%"],
         ev=[("bbc:business/063", "US retail sales fell 0.3% in January", "0.3%"),
             ("bbc:business/450", "Seasonally adjusted sales rose 1.2% in the month", "1.2%")],
         note="undated; ordered by the month reported: December +1.2%, then January -0.3% (the "
              "January report looks back at December)"),
    dict(q="What's the latest figure for December's jump in US car sales?", type="latest", a="4% rise",
         also=["4 percent"],
         ev=[("bbc:business/063", "coming after December's 4% rise in car sales", "4%"),
             ("bbc:business/450", "The gains were led by a 4.3% jump in auto sales", "4.3%")],
         note="undated; the January report (which looks back at December) says 4%, the December "
              "report said 4.3%; gold is '4% rise' because a bare '4%' would also match '4.3%' "
              "after normalisation"),
    # --- the UK and the tsunami (dated reports) --------------------------------------------------
    dict(q="How many Britons are dead or missing in the tsunami now?", type="latest", a="440",
         ev=[("bbc:politics/195", "about 440 Britons were either dead or missing", "440"),
             ("bbc:politics/017", "the number of Britons dead or missing in the disaster have reached 440", "440"),
             ("bbc:politics/135", "41 Britons are now confirmed to have died", "41")],
         note="dated reports: 41 confirmed dead and 158 missing (2005-01-05); about 440 dead or "
              "missing (2005-01-07 and 2005-01-09)"),
    dict(q="how much of the government's £50m tsunami money has actually been spent so far",
         type="latest", a="well on the way",
         ev=[("bbc:politics/195", "was now \"well on the way\" to being spent", "well on the way"),
             ("bbc:politics/135", "only \"six or seven million\" had been spent", "six or seven million")],
         note="dated reports: 'six or seven million' spent (2005-01-05); 'well on the way' to being "
              "spent (2005-01-09); the newer report gives no figure"),
    dict(q="Has the G8 agreed the tsunami debt freeze yet?", type="latest",
         a=["hammered out on Thursday night", "Japan"],
         ev=[("bbc:politics/017", "The deal is thought to have been hammered out on Thursday night", "hammered out"),
             ("bbc:politics/135", "Chancellor Gordon Brown earlier backed a plan to freeze", "backed a plan")],
         note="dated reports: Brown backs a freeze (2005-01-05); the deal was hammered out on Thursday "
              "night after Japan signed up and was to be announced later on Friday (2005-01-07)"),
    dict(q="How much would the debt freeze save the tsunami countries?", type="how_many",
         a=["£3bn", "$3bn"],
         ev=[("bbc:politics/017", "would save affected countries £3bn pounds a year"),
             ("bbc:politics/135", "about $3bn (£1.58bn) in repayments")],
         note="the two reports give £3bn a year and $3bn (£1.58bn)"),
    dict(q="Has Jack Straw got to Indonesia for the tsunami summit yet?", type="latest",
         a="arrives in Indonesia", also=["arrived in Indonesia", "yes"],
         ev=[("bbc:politics/208", "Foreign Secretary Jack Straw arrives in Indonesia", "arrives in Indonesia"),
             ("bbc:politics/135", "Foreign Secretary Jack Straw is to visit Thailand and Indonesia this week", "is to visit")],
         note="the 2005-01-05 report says Straw is to visit Thailand and Indonesia this week (the "
              "Jakarta conference on Thursday); the undated Gurkha report has him arriving in "
              "Indonesia for the summit"),
    dict(q="How many Gurkhas has Britain offered to send?", type="how_many", a="120",
         ev=[("bbc:politics/208", "offered to send a company of 120 Gurkhas")]),
    dict(q="How much has the UK government given Sri Lanka for the tsunami?", type="unanswerable",
         near=("bbc:politics/135", "of the £50m given by the government so far")),
    # --- Germany ---------------------------------------------------------------------------------
    dict(q="What's the latest figure for German growth in 2004?", type="latest", a="1.6%",
         ev=[("bbc:business/066", "Germany's economy grew 1.6% last year", "1.6%"),
             ("bbc:business/073", "growth for the whole of 2004 was 1.6%", "1.6%"),
             ("bbc:business/439", "Gross domestic product (GDP) rose by 1.7% last year", "1.7%")],
         note="first estimate 1.7% (2005-01-13); the fourth-quarter report revises it to 1.6%, "
              "'down from an earlier estimate of 1.7%'; the later Ifo report repeats 1.6%"),
    dict(q="how did the german economy do in the latest quarter", type="latest", a="0.2%",
         also=["shrank 0.2%", "contracted 0.2%"],
         ev=[("bbc:business/066", "the economy contracted by 0.2% during the last three months of 2004", "0.2%"),
             ("bbc:business/073", "growth in the third quarter had been zero", "zero")],
         note="undated; ordered by the quarter reported: third quarter zero, fourth quarter -0.2%"),
    dict(q="What did the ECB decide on rates in February?", type="unanswerable",
         near=("bbc:business/066", "Eurozone interest rates are at 2%")),
    # --- China -----------------------------------------------------------------------------------
    dict(q="How fast is China's economy growing now?", type="latest", a="9.5%",
         ev=[("bbc:business/286", "China's economy has expanded by a breakneck 9.5% during 2004", "9.5%"),
             ("bbc:business/016", "Growth in China remains at a breakneck 9.1%", "9.1%")],
         note="undated; the credit-curbs report is from late 2004 (curbs to 'continue into 2005', "
              "output figures to October), the newer one gives the full-year 2004 figure"),
    dict(q="latest figure for chinese industrial output growth?", type="latest", a="11.5%",
         ev=[("bbc:business/286", "was 11.5% in 2004", "11.5%"),
             ("bbc:business/016", "Industrial output grew 15.7% in the year to October", "15.7%")],
         note="undated; ordered by period: 15.7% in the year to October, 11.5% for the whole of 2004"),
    dict(q="What was China's growth in the fourth quarter of 2004?", type="unanswerable",
         near=("bbc:business/286", "China's economy has expanded by a breakneck 9.5% during 2004")),
    # --- Ukraine ---------------------------------------------------------------------------------
    dict(q="How many privatisations is Ukraine going to review?", type="latest", a="dozens",
         ev=[("bbc:business/217", "Ukraine is to review \"dozens\" of state asset sales", "dozens"),
             ("bbc:business/197", "as many as 3,000 firms could be included on the list", "3,000"),
             ("bbc:business/136", "planning to renationalise 3,000 firms", "3,000")],
         note="the newest report (2005-02-21) gives 'dozens', 'less than the 3,000 cases mentioned "
              "last week' in the two earlier, undated reports"),
    dict(q="has a court ruled on the Krivorizhstal sale yet?", type="latest", a="illegal",
         ev=[("bbc:business/197", "was illegal, a court has ruled", "illegal"),
             ("bbc:business/136", "If the original privatisation is annulled", "If the original privatisation is annulled")],
         note="undated; the review report still speaks of 'if' the sale is annulled, the next report "
              "(same Wednesday statement by Tymoshenko) gives Thursday's ruling that the sale was illegal"),
    dict(q="How many firms will Ukraine's privatisation list cover?", type="conflict",
         a=["3,000", "30-40"], also=["30 to 40"],
         ev=[("bbc:business/136", "planning to renationalise 3,000 firms", "3,000"),
             ("bbc:business/197", "the list would be limited to 30-40 enterprises", "30-40")],
         note="the prime minister (3,000) and the president (30 to 40) disagreed; the president later "
              "settled on 'dozens'"),
    dict(q="How much was Krivorizhstal sold for?", type="how_many", a="$800m", also=["£424m"],
         ev=[("bbc:business/197", "was sold in June 2004 for $800m")]),
    # --- MG Rover --------------------------------------------------------------------------------
    dict(q="How many Longbridge jobs could go if the Shanghai Automotive deal happens?", type="conflict",
         a=["3,000", "2,000"],
         ev=[("bbc:business/212", "3,000 jobs - out of a total workforce of 6,500", "3,000"),
             ("bbc:business/034", "Some 2,000 jobs at MG Rover's Midlands plant may be cut", "2,000")],
         note="same outlet quoting different papers: the Observer (3,000) and the FT (2,000)"),
    dict(q="How much is Shanghai Automotive investing in Rover?", type="how_many", a="£1bn",
         also=["$1.9bn"],
         ev=[("bbc:business/212", "Shanghai Automotive's proposed £1bn investment in Rover")]),
    # --- Barclays --------------------------------------------------------------------------------
    dict(q="What are Barclays shares trading at now?", type="latest", a="590 pence", also=["590p"],
         ev=[("bbc:business/126", "shares in Barclays were trading down 0.67% at 590 pence", "590 pence"),
             ("bbc:business/417", "Barclays shares were up 8 pence, or 1.3%, at 605 pence", "605 pence")],
         note="undated; the results report refers back to the reports of Wells Fargo talks that lifted "
              "the shares to 605p"),
    dict(q="Which newspaper reported the Barclays-Wells Fargo talks?", type="who", a="Sunday Express",
         ev=[("bbc:business/417", "report in the Sunday Express")]),
    # --- Venezuela -------------------------------------------------------------------------------
    dict(q="What's happening with the Vestey ranch in Venezuela now?", type="latest",
         a=["12,900 acres", "seize", "5,200 hectares"],
         ev=[("bbc:business/029", "they plan to seize 12,900 acres", "12,900 acres"),
             ("bbc:business/388", "the site's documents \"do not guarantee that this is a private land\"", "do not guarantee")],
         note="undated; the seizure report says 'last month the government said it had identified "
              "more than 500 idle farms', which is the other report's news"),
    dict(q="Which Venezuelan state is seizing the Vestey land?", type="where", a="Cojedes",
         ev=[("bbc:business/029", "Officials in Cojedes state said on Friday")]),
    # --- Air Deccan ------------------------------------------------------------------------------
    dict(q="What's Air Deccan's latest aircraft deal?", type="latest", a="36",
         also=["36 planes", "ATR"],
         ev=[("bbc:business/407", "Air Deccan has signed a deal to acquire 36 planes", "36"),
             ("bbc:business/339", "Air Deccan has ordered 30 Airbus A320 planes", "30")],
         note="undated; the ATR report says 'recently' the airline 'ordered 30 Airbus A320 planes'"),
    dict(q="How much was Air Deccan's Airbus order worth?", type="how_many", a="$1.8bn", also=["£931m"],
         ev=[("bbc:business/339", "in a $1.8bn")]),
    dict(q="How much is Air Deccan paying for the ATR planes?", type="unanswerable",
         near=("bbc:business/407", "The value of the deal has not been revealed")),
    # --- UK retail sales -------------------------------------------------------------------------
    dict(q="What do the latest official UK retail sales figures show?", type="latest", a="1%",
         also=["fell 1%", "dropped by 1%"],
         ev=[("bbc:business/481", "Retail sales dropped by 1% on the month in December", "1%"),
             ("bbc:business/306", "retail sales rose 0.6% on the month", "0.6%")],
         note="undated; ordered by month: ONS November +0.6%, December -1% (the December report "
              "refers back to November's 0.6% rise)"),
    dict(q="what's the newest BRC like-for-like sales number", type="latest", a="0.5%",
         ev=[("bbc:business/225", "rose by 0.5% on a like-for-like basis", "0.5%"),
             ("bbc:business/306", "showed a 0.2% slip in High Street sales during November", "0.2%")],
         note="undated; ordered by month: BRC November -0.2%, January +0.5%"),
    dict(q="When did UK retailers last have a worse Christmas?", type="when", a="1981",
         ev=[("bbc:business/481", "the worst Christmas since 1981")]),
    # --- Apple and the leaks ---------------------------------------------------------------------
    dict(q="Did Apple win its case against the bloggers?", type="latest",
         a="won", also=["yes"],
         ev=[("bbc:tech/355", "Apple has won its legal fight to make three bloggers reveal", "won"),
             ("bbc:tech/044", "has asked California's Superior court to stop Apple pursuing the sources", "stop Apple"),
             ("bbc:tech/248", "Computer firm Apple has issued a lawsuit", "issued a lawsuit")],
         note="undated; the lawsuit is filed (13 December), the EFF joins the fight, then the ruling"),
    dict(q="what is the EFF doing now in the apple case", type="latest", a="appeal",
         ev=[("bbc:tech/355", "the EFF was planning to appeal against the ruling", "appeal"),
             ("bbc:tech/044", "has asked California's Superior court to stop Apple pursuing the sources", "stop Apple")],
         note="undated; after losing the ruling the EFF plans to appeal; before it, it asked the court "
              "to stop Apple"),
    dict(q="Which judge ruled in the Apple bloggers case?", type="who",
         a=["James Kleinberg", "Kleinberg"],
         ev=[("bbc:tech/355", "Santa Clara County Superior Court Judge James Kleinberg")]),
    dict(q="When did Apple file its complaint about the leaks?", type="when", a="13 December",
         also=["December 13"],
         ev=[("bbc:tech/248", "filed on 13 December")]),
    dict(q="Who leaked the Asteroid details to the bloggers?", type="unanswerable",
         near=("bbc:tech/355", "Apple's lawsuit accused anonymous people of stealing trade secrets")),
    # --- Firefox ---------------------------------------------------------------------------------
    dict(q="What share of web users are on Internet Explorer now?", type="latest", a="88.9%",
         ev=[("bbc:tech/196", "IE's market share has dropped 5% since May to 88.9%", "88.9%"),
             ("bbc:tech/138", "by the end of October stood at 92.9%", "92.9%")],
         note="undated; the older report is from the 1.0 release ('has just been released'), the newer "
              "one refers to 'Firefox 1.0, released on 9 November' and to the October 92.9%"),
    dict(q="How many times has Firefox been downloaded?", type="conflict",
         a=["almost eight million", "more than five million"],
         ev=[("bbc:tech/138", "Firefox has been downloaded almost eight million times", "almost eight million"),
             ("bbc:tech/196", "more than five million have downloaded the free software", "more than five million")],
         note="same outlet; the 'almost eight million' counts downloads before 1.0, the 'more than five "
              "million' those since the 1.0 release"),
    # --- Xbox 2 ----------------------------------------------------------------------------------
    dict(q="When will the Xbox 2 go on sale?", type="latest", a="November",
         ev=[("bbc:tech/348", "the device could be on shop shelves by November", "November"),
             ("bbc:tech/052", "expected to go on sale at the end of the year", "end of the year")],
         note="undated; the first report says Microsoft will not show it at the Game Developers "
              "Conference, the later one reports what was shown there"),
    dict(q="has microsoft shown the xbox 2 to anyone yet", type="latest",
         a="glimpse",
         ev=[("bbc:tech/348", "Microsoft has given game makers a glimpse of the new Xbox 2 console", "glimpse"),
             ("bbc:tech/052", "it would not be at GDC", "not be at GDC")],
         note="undated; before the GDC Microsoft said the console would not be there; the later report "
              "covers the glimpse given to game makers at the GDC (official unveiling at E3 in May)"),
    dict(q="What is the code name of the next Xbox?", type="what", a="Xenon",
         ev=[("bbc:tech/052", "codenamed Xenon")]),
    dict(q="How much will the Xbox 2 cost?", type="unanswerable",
         near=("bbc:tech/348", "the device could be on shop shelves by November")),
    # --- Iranian bloggers ------------------------------------------------------------------------
    dict(q="What's the latest on Arash Sigarchi?", type="latest", a="14 years",
         ev=[("bbc:tech/035", "An Iranian weblogger has been jailed for 14 years", "14 years"),
             ("bbc:tech/016", "Arash Sigarchi and Mojtaba Saminejad are both in prison in Iran", "in prison")],
         note="the sentence is reported on 2005-02-23, one day after the 22 February day of action that "
              "the other report announces"),
    dict(q="is Mojtaba Saminejad still locked up?", type="latest", a="still being held",
         ev=[("bbc:tech/035", "is still being held", "still being held"),
             ("bbc:tech/016", "Arash Sigarchi and Mojtaba Saminejad are both in prison in Iran", "in prison")],
         note="dated newest report (2005-02-23): still being held; the earlier report: in prison"),
    # --- Turkey and the EU -----------------------------------------------------------------------
    dict(q="Has the EU agreed to open membership talks with Turkey?", type="latest",
         a="open formal talks",
         ev=[("bbc:politics/161", "The deal to open formal talks with Ankara came despite", "open formal talks"),
             ("bbc:politics/064", "The deal to open formal talks with Ankara came despite", "open formal talks"),
             ("bbc:politics/035", "The key issue at this week's council will be that of Turkey", "key issue")],
         note="the preview has the summit 'later in the week'; the deal is reported leaving the summit "
              "(2004-12-17) and as 'struck at the European Council last week' in the newest report"),
    dict(q="How long could it take Turkey to join the EU?", type="how_many", a="up to 15 years",
         ev=[("bbc:politics/064", "It could take up to 15 years before Turkey is able to join")]),
    # --- cold calls ------------------------------------------------------------------------------
    dict(q="Is the information commissioner investigating Labour's cold calls?", type="latest",
         a="investigated",
         ev=[("bbc:politics/396", "Labour is to be investigated by a watchdog", "investigated"),
             ("bbc:politics/088", "The Lib Dems are asking the watchdog overseeing the rules to stop the calls", "asking")],
         note="undated; the Lib Dems first ask the watchdog to stop the calls, then the commissioner "
              "takes up their complaint"),
    dict(q="What did the information commissioner's office say about keeping personal data from the calls?",
         type="conflict", a=["grey area", "had to be told"],
         ev=[("bbc:politics/088", "there is a \"grey\" area if personal data is kept", "grey"),
             ("bbc:politics/337", "people had to be told if personal data was kept", "had to be told")],
         note="same outlet: two versions of the same report (same title) give the ICO's position "
              "differently"),
    dict(q="How many Labour voters are on the Telephone Preference Service?", type="unanswerable",
         near=("bbc:politics/396", "seven million telephone numbers are on the Telephone Preference Service")),
    ]

QUESTIONS = [dict(id=f"latest-bbc-{i:03d}", **q) for i, q in enumerate(_Q, start=1)]
