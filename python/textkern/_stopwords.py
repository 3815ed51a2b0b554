"""textkern's own English stop-word list.

Written for this project: English function words (articles, pronouns,
auxiliaries, prepositions, conjunctions, quantifiers and frequent
adverbs), including contracted forms as the tokenizer keeps them whole
("don't").  It is not scikit-learn's list; the two overlap largely but
not exactly, so results with ``stop_words="english"`` differ slightly
from scikit-learn's.
"""
from __future__ import annotations

__all__ = ["ENGLISH_STOP_WORDS"]

_ARTICLES_DETERMINERS = """
a an the this that these those each every either neither some any no none
all both few many much more most less least several such own other another
same whatever whichever whose which what
"""

_PRONOUNS = """
i me my mine myself we us our ours ourselves you your yours yourself
yourselves he him his himself she her hers herself it its itself they them
their theirs themselves who whom one ones oneself someone somebody something
anyone anybody anything everyone everybody everything nobody nothing
"""

_AUXILIARIES = """
be am is are was were been being have has had having do does did doing done
will would shall should can could may might must ought
"""

_CONTRACTIONS = """
i'm i've i'll i'd you're you've you'll you'd he's he'll he'd she's she'll
she'd it's it'll we're we've we'll we'd they're they've they'll they'd
that's there's here's what's who's let's isn't aren't wasn't weren't
hasn't haven't hadn't doesn't don't didn't won't wouldn't shan't shouldn't
can't cannot couldn't mustn't mightn't needn't
"""

_PREPOSITIONS = """
about above across after against along amid among around as at before behind
below beneath beside besides between beyond by despite down during except for
from in inside into like near of off on onto out outside over past per since
through throughout till to toward towards under underneath unlike until up
upon via with within without
"""

_CONJUNCTIONS = """
and but or nor so yet because although though while whereas if unless whether
than then once when whenever where wherever why how however therefore thus
hence also too either
"""

_ADVERBS = """
not only just very quite rather really almost already always never ever often
sometimes again still even here there now ago away back else elsewhere
enough further indeed instead perhaps maybe otherwise soon together well yes
"""

ENGLISH_STOP_WORDS: frozenset = frozenset(
    word
    for block in (_ARTICLES_DETERMINERS, _PRONOUNS, _AUXILIARIES, _CONTRACTIONS,
                  _PREPOSITIONS, _CONJUNCTIONS, _ADVERBS)
    for word in block.split()
)
