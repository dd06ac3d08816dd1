"""The seeded registry: the grey areas every new workspace starts with, and what each covers.

Who holds which duty on them is :mod:`bot.duties`; resolving a typed name to an area ("who owns
battlecards?") is :mod:`bot.area_names`. Both are in the kernel, because every capability reads them.
"""

from __future__ import annotations

from bot.domain import Side

# name, side, aliases, what the area covers. PM is inbound, PMM outbound; "shared" areas are
# the grey ones teams argue about.
DEFAULT_AREAS: tuple[tuple[str, Side, tuple[str, ...], str], ...] = (
    ("requirements", Side.INBOUND, ("prd", "product requirements", "specs", "user stories"), "what the product must do"),
    ("roadmap", Side.INBOUND, ("product roadmap", "prioritization", "prioritisation"), "what ships when"),
    ("pricing", Side.INBOUND, ("pricing model", "packaging", "price points", "tiers"), "price and packaging decisions"),
    ("market research", Side.INBOUND, ("market needs", "mrd", "market requirements", "customer research"), "what the market needs"),
    ("win/loss", Side.SHARED, ("win loss", "win-loss analysis", "deal reviews"), "why deals are won and lost"),
    ("customer advisory board", Side.SHARED, ("cab", "advisory board", "customer council"), "the customers we consult"),
    ("competitive messaging", Side.SHARED, ("battlecards", "battle cards", "competitive intel", "competitive intelligence", "competitor comparison"), "how we talk about competitors"),
    ("release notes", Side.SHARED, ("changelog", "what's new", "release announcement"), "what changed, for customers"),
    ("pricing communication", Side.SHARED, ("pricing page", "price change announcement", "pricing comms"), "how price changes are told"),
    ("positioning", Side.OUTBOUND, ("positioning statement", "value proposition", "target segment"), "who it is for and why it wins"),
    ("messaging", Side.OUTBOUND, ("messaging framework", "copy", "key messages"), "the words we use"),
    ("sales enablement", Side.OUTBOUND, ("sales training", "sales deck", "pitch deck", "sales collateral"), "what sales needs to sell it"),
    ("launch", Side.OUTBOUND, ("go to market", "gtm", "launch plan", "go-to-market"), "bringing a release to market"),
    ("analyst and press relations", Side.OUTBOUND, ("analyst relations", "press relations", "ar", "pr", "press"), "analysts and media"),
    ("web content", Side.OUTBOUND, ("website", "web copy", "landing page", "product pages"), "what the website says"),
)


