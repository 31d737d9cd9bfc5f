"""Phrase pools for image-generation prompts: one pool per domain, plus a general pool of
style and quality phrases that fit any domain, and the global tag pool.

A prompt draws up to 30 distinct phrases from its domain's pool, so every domain pool holds
well over that: each domain lists a few subjects and details, and its pool is the subjects
plus every "subject detail" combination."""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

GENERAL: tuple[str, ...] = (
    "highly detailed",
    "soft natural light",
    "golden hour",
    "cinematic composition",
    "shallow depth of field",
    "35mm film grain",
    "muted pastel palette",
    "vibrant colours",
    "dramatic shadows",
    "wide angle",
    "overhead shot",
    "minimal background",
    "4k",
    "sharp focus",
    "warm tones",
    "cool blue tones",
    "studio lighting",
    "bokeh",
    "rule of thirds",
    "symmetrical",
    "blue hour",
    "rim lighting",
    "volumetric light",
    "backlit silhouette",
    "overcast diffused light",
    "neon glow",
    "candlelight",
    "85mm portrait lens",
    "macro lens",
    "telephoto compression",
    "tilt-shift",
    "low angle shot",
    "aerial view",
    "close-up",
    "long exposure",
    "analog film look",
    "oil painting",
    "watercolour wash",
    "digital painting",
    "ink illustration",
    "3d render",
    "charcoal sketch",
    "8k resolution",
    "award-winning photograph",
    "trending on artstation",
    "intricate textures",
    "high dynamic range",
    "monochrome",
    "earthy colour palette",
    "teal and orange grading",
    "high contrast",
    "centered composition",
    "leading lines",
    "negative space",
    "layered depth",
)


class _Domain(NamedTuple):
    """A domain's subjects (noun phrases) and details (modifiers that follow any subject)."""

    subjects: tuple[str, ...]
    details: tuple[str, ...]

    def phrases(self) -> tuple[str, ...]:
        """The subjects, then every "subject detail" combination, without duplicates."""
        combos = (f"{subject} {detail}" for subject in self.subjects for detail in self.details)
        return tuple(dict.fromkeys((*self.subjects, *combos)))


_SPECS: dict[str, _Domain] = {
    "anime": _Domain(
        subjects=(
            "a cel-shaded heroine",
            "cherry blossoms drifting",
            "a neon Tokyo alley",
            "big expressive eyes",
            "a school rooftop at dusk",
            "a magical girl transformation",
            "a ramen stall at night",
            "a giant mecha in the distance",
            "a sleepy cat familiar",
            "a countryside train platform",
        ),
        details=(
            "in soft pastel anime colours",
            "under a pink sunset sky",
            "with glowing neon highlights",
            "with sparkling light effects",
            "in a hand-painted background style",
            "framed like a key visual",
        ),
    ),
    "fantasy": _Domain(
        subjects=(
            "an ancient dragon",
            "a crumbling elven tower",
            "a glowing rune sword",
            "misty enchanted forest",
            "a wizard's cluttered study",
            "a floating island",
            "knights on horseback",
            "a moonlit castle",
            "a dwarven forge",
            "a hidden fairy glade",
        ),
        details=(
            "bathed in arcane light",
            "under twin moons",
            "shrouded in silver mist",
            "in an epic high-fantasy style",
            "with glowing magical runes",
            "painted like an old storybook",
        ),
    ),
    "street_art": _Domain(
        subjects=(
            "a spray-painted mural",
            "bold graffiti lettering",
            "a brick wall in Brooklyn",
            "paste-up posters",
            "a stencil portrait",
            "drips of neon paint",
            "an underpass covered in tags",
            "a rooftop water tower",
            "a skate park bowl",
            "a rolling shutter door",
        ),
        details=(
            "in fluorescent spray paint",
            "with wildstyle letters",
            "under a flickering streetlight",
            "in a gritty urban style",
            "with halftone textures",
            "in faded sun-bleached colours",
        ),
    ),
    "gaming": _Domain(
        subjects=(
            "a pixel-art hero",
            "an isometric dungeon",
            "a glowing health bar",
            "a retro arcade cabinet",
            "a low-poly racing car",
            "a boss battle arena",
            "a cozy farming sim village",
            "a cyberpunk HUD overlay",
            "a treasure chest loot drop",
            "a speedrunner's gaming setup",
        ),
        details=(
            "in 16-bit pixel art",
            "with RGB lighting",
            "rendered in Unreal Engine",
            "in a cel-shaded style",
            "with a CRT scanline effect",
            "as a loading-screen illustration",
        ),
    ),
    "memes": _Domain(
        subjects=(
            "a surprised cat",
            "a dog in sunglasses",
            "bold impact-font caption",
            "a confused office worker",
            "a frog with a tiny hat",
            "a dramatic zoom on a face",
            "a cat judging a salad",
            "a shiba inu meditating",
            "a raccoon in a trash can",
            "a pigeon holding a coffee",
        ),
        details=(
            "in deep-fried colours",
            "as a low-resolution screenshot",
            "with a reaction-image vibe",
            "in a two-panel format",
            "with exaggerated lens flares",
            "in a wholesome cartoon style",
        ),
    ),
    "concept_art": _Domain(
        subjects=(
            "an alien desert outpost",
            "a derelict starship interior",
            "a steampunk airship",
            "a sprawling megacity",
            "a post-apocalyptic highway",
            "creature design sheet",
            "a biomechanical armour suit",
            "a crystal cavern",
            "a jungle temple ruin",
            "a frozen research base",
        ),
        details=(
            "as a matte painting",
            "with loose painterly brushwork",
            "in an environment keyframe",
            "with atmospheric perspective",
            "in a moody colour script",
            "as a production sketch",
        ),
    ),
    "architecture": _Domain(
        subjects=(
            "a brutalist concrete facade",
            "a glass curtain wall",
            "a spiral staircase",
            "a mid-century modern house",
            "a gothic cathedral nave",
            "a cantilevered balcony",
            "a timber-frame pavilion",
            "an art deco lobby",
            "a parametric museum roof",
            "a courtyard with arches",
        ),
        details=(
            "in crisp morning light",
            "shot with a tilt-shift lens",
            "as an architectural rendering",
            "with strong geometric shadows",
            "under an overcast sky",
            "in a black-and-white photograph",
        ),
    ),
    "travel": _Domain(
        subjects=(
            "a Santorini whitewashed village",
            "a bustling Marrakech souk",
            "a Kyoto temple gate",
            "a road trip through Utah",
            "a Venice canal at dawn",
            "a backpacker hostel",
            "an Icelandic waterfall",
            "a night market in Taipei",
            "a Lisbon tram on a hill",
            "a Patagonian trail",
        ),
        details=(
            "in a travel magazine style",
            "under bright summer sun",
            "in a candid travel snapshot",
            "with a vintage postcard look",
            "seen from a drone",
            "in warm evening light",
        ),
    ),
    "food": _Domain(
        subjects=(
            "a stack of fluffy pancakes",
            "a rustic sourdough loaf",
            "a steaming bowl of ramen",
            "a colourful poke bowl",
            "a charcuterie board",
            "hand-rolled pasta",
            "a glazed chocolate cake",
            "street tacos with lime",
            "a bowl of fresh berries",
            "a cup of latte art",
        ),
        details=(
            "on a rustic wooden table",
            "in a flat lay",
            "with steam rising",
            "on a marble countertop",
            "in a food magazine style",
            "in soft window light",
        ),
    ),
    "fashion": _Domain(
        subjects=(
            "a tailored linen suit",
            "an oversized wool coat",
            "a runway under spotlights",
            "vintage denim",
            "a silk evening gown",
            "chunky white sneakers",
            "a street-style portrait",
            "layered gold jewellery",
            "a knitted cardigan",
            "a leather trench coat",
        ),
        details=(
            "in an editorial photoshoot",
            "on a Paris street",
            "in a lookbook style",
            "against a seamless backdrop",
            "with dramatic studio flash",
            "in a vogue-style spread",
        ),
    ),
    "urban": _Domain(
        subjects=(
            "a rainy city crosswalk",
            "a subway platform",
            "neon shop signs",
            "a rooftop skyline view",
            "a food truck line",
            "fire escapes in Manhattan",
            "a cyclist at rush hour",
            "a corner bodega",
            "a laundromat window",
            "a busy bus stop",
        ),
        details=(
            "in street photography style",
            "with wet reflections",
            "in early morning haze",
            "captured with motion blur",
            "in gritty film grain",
            "under sodium street lamps",
        ),
    ),
    "minimalism": _Domain(
        subjects=(
            "a single chair in an empty room",
            "clean white lines",
            "a lone tree on a hill",
            "negative space",
            "a concrete bench",
            "one red balloon",
            "a paper crane",
            "a monochrome still life",
            "a single pebble",
            "a thin horizon line",
        ),
        details=(
            "on a plain white background",
            "in soft beige tones",
            "with a single accent colour",
            "in a Japanese zen style",
            "with long soft shadows",
            "in a flat vector style",
        ),
    ),
    "interior_design": _Domain(
        subjects=(
            "a Scandinavian living room",
            "a sunlit reading nook",
            "a boho bedroom with plants",
            "an open-plan kitchen",
            "a velvet sofa",
            "a gallery wall",
            "a marble bathroom",
            "a home office with a view",
            "a rattan armchair",
            "a loft with exposed brick",
        ),
        details=(
            "in warm neutral tones",
            "with natural wood accents",
            "in a cozy hygge style",
            "as an interior magazine shot",
            "with morning light through linen curtains",
            "in a japandi style",
        ),
    ),
    "kids_crafts": _Domain(
        subjects=(
            "paper plate animals",
            "a cardboard castle",
            "finger-painted rainbows",
            "salt dough ornaments",
            "a popsicle-stick house",
            "googly-eyed monsters",
            "a handmade birthday card",
            "a felt puppet",
            "a pom-pom caterpillar",
            "a toilet-roll rocket",
        ),
        details=(
            "on a kitchen table",
            "with glitter and glue",
            "in bright primary colours",
            "with crayon scribbles",
            "on a craft mat",
            "made by small hands",
        ),
    ),
    "gardening": _Domain(
        subjects=(
            "raised vegetable beds",
            "tomato vines on a trellis",
            "a cottage garden in bloom",
            "seedlings on a windowsill",
            "a greenhouse interior",
            "a bed of lavender",
            "a compost heap",
            "a watering can among tulips",
            "a potted herb garden",
            "a pumpkin patch",
        ),
        details=(
            "in morning dew",
            "under a summer sun",
            "with bees buzzing",
            "after a spring rain",
            "in an English country style",
            "with terracotta pots",
        ),
    ),
    "holidays": _Domain(
        subjects=(
            "a decorated Christmas tree",
            "carved pumpkins on a porch",
            "a Thanksgiving table",
            "fireworks over a lake",
            "Easter eggs in the grass",
            "a Diwali lamp",
            "a Hanukkah menorah",
            "a New Year's toast",
            "a Lunar New Year lantern",
            "a Valentine's Day card",
        ),
        details=(
            "with twinkling fairy lights",
            "in a festive mood",
            "with confetti in the air",
            "in warm candlelight",
            "as a holiday greeting card",
            "with family gathered around",
        ),
    ),
    "landscapes": _Domain(
        subjects=(
            "snow-capped mountains",
            "a winding river valley",
            "rolling green hills",
            "a desert at sunset",
            "a misty pine forest",
            "a rocky coastline",
            "a field of wildflowers",
            "aurora over a frozen lake",
            "a canyon of red rock",
            "a volcanic black-sand beach",
        ),
        details=(
            "under a crimson sky",
            "in morning fog",
            "after a thunderstorm",
            "under a starry night sky",
            "in autumn colours",
            "at first light",
        ),
    ),
    "birds": _Domain(
        subjects=(
            "a red cardinal on a branch",
            "a hummingbird mid-flight",
            "a heron in the shallows",
            "a snowy owl",
            "a flock of starlings",
            "a blue jay at a feeder",
            "a bald eagle soaring",
            "puffins on a cliff",
            "a kingfisher by a stream",
            "a pair of mandarin ducks",
        ),
        details=(
            "in crisp telephoto detail",
            "against a soft green background",
            "in winter snow",
            "at dawn",
            "as a field-guide illustration",
            "with feathers in sharp focus",
        ),
    ),
    "history": _Domain(
        subjects=(
            "a Roman forum",
            "a medieval market square",
            "a 1920s jazz club",
            "a Victorian street",
            "an Egyptian temple",
            "a Viking longship",
            "a Renaissance workshop",
            "a wartime railway station",
            "a samurai castle",
            "an Aztec pyramid",
        ),
        details=(
            "as a sepia photograph",
            "in a historical oil painting",
            "reconstructed in accurate detail",
            "bustling with period-dressed people",
            "in a museum diorama style",
            "as an old engraving",
        ),
    ),
    "product_photography": _Domain(
        subjects=(
            "a perfume bottle on marble",
            "a sneaker on a pedestal",
            "a watch on driftwood",
            "a skincare set with leaves",
            "a coffee bag with beans",
            "headphones on a gradient",
            "a candle with dried flowers",
            "a leather wallet flat lay",
            "a ceramic mug on linen",
            "a lipstick with water droplets",
        ),
        details=(
            "with soft studio shadows",
            "on a pastel backdrop",
            "with a reflective surface",
            "in a clean e-commerce style",
            "with dramatic rim light",
            "surrounded by floating props",
        ),
    ),
    "marketing": _Domain(
        subjects=(
            "a bold sale banner",
            "a smiling customer with a phone",
            "an app screenshot mockup",
            "a product launch poster",
            "a team in a bright office",
            "a social media carousel slide",
            "a billboard mockup",
            "a newsletter hero image",
            "a pricing page header",
            "a webinar announcement card",
        ),
        details=(
            "in brand colours",
            "with a clear call to action",
            "in a flat corporate illustration style",
            "with clean sans-serif typography",
            "on a gradient background",
            "in a friendly modern style",
        ),
    ),
    "logos": _Domain(
        subjects=(
            "a geometric fox emblem",
            "a minimal coffee cup mark",
            "a monogram in gold foil",
            "a mountain badge",
            "a playful mascot",
            "a wordmark in serif type",
            "a circular stamp seal",
            "an abstract wave symbol",
            "a leaf icon",
            "a lettermark in bold sans",
        ),
        details=(
            "as a flat vector",
            "on a white background",
            "in a single colour",
            "with negative-space tricks",
            "in a vintage badge style",
            "with a clean line-art finish",
        ),
    ),
    "portraits": _Domain(
        subjects=(
            "an elderly fisherman",
            "a young woman with freckles",
            "a jazz musician",
            "a child laughing",
            "a tattooed barista",
            "a farmer in a straw hat",
            "a ballerina backstage",
            "a man with a grey beard",
            "a nurse after a night shift",
            "twin sisters",
        ),
        details=(
            "in Rembrandt lighting",
            "against a dark backdrop",
            "with a candid expression",
            "in soft window light",
            "in a black-and-white portrait",
            "with eyes in sharp focus",
        ),
    ),
    "wildlife": _Domain(
        subjects=(
            "a snow leopard on a ridge",
            "a herd of elephants",
            "a red fox in the snow",
            "a lion at a watering hole",
            "a grizzly bear catching salmon",
            "a pack of wolves",
            "a giraffe on the savanna",
            "a sloth in a tree",
            "a tiger in tall grass",
            "a family of meerkats",
        ),
        details=(
            "in golden savanna light",
            "through a long telephoto lens",
            "in a nature documentary style",
            "at the edge of a forest",
            "in falling snow",
            "at eye level",
        ),
    ),
    "underwater": _Domain(
        subjects=(
            "a coral reef",
            "a sea turtle gliding",
            "a school of silver fish",
            "a giant manta ray",
            "a sunken shipwreck",
            "a kelp forest",
            "a curious octopus",
            "a glowing jellyfish",
            "a scuba diver",
            "a clownfish in an anemone",
        ),
        details=(
            "in turquoise water",
            "with sun rays piercing the surface",
            "in the deep blue",
            "surrounded by bubbles",
            "lit by bioluminescence",
            "in crystal-clear visibility",
        ),
    ),
    "space": _Domain(
        subjects=(
            "a spiral galaxy",
            "a ringed gas giant",
            "an astronaut on a spacewalk",
            "a colourful nebula",
            "a lunar landing site",
            "a space station in orbit",
            "a comet streaking past",
            "a red Martian plain",
            "a black hole accretion disk",
            "Earth seen from orbit",
        ),
        details=(
            "against a field of stars",
            "in a Hubble-style image",
            "with glowing cosmic dust",
            "in deep space silence",
            "with lens flare from a distant sun",
            "as a NASA-style render",
        ),
    ),
    "sci_fi": _Domain(
        subjects=(
            "a chrome android",
            "a hovering police drone",
            "a cyberpunk street market",
            "a starfighter cockpit",
            "a colony dome on an alien world",
            "a holographic control room",
            "a rogue AI core",
            "a bounty hunter in power armour",
            "a maglev train",
            "a cryo-sleep chamber",
        ),
        details=(
            "with holographic displays",
            "in neon cyberpunk colours",
            "in a retro-futuristic style",
            "in a gritty dystopian mood",
            "with glowing circuitry",
            "in a sleek utopian design",
        ),
    ),
    "cars": _Domain(
        subjects=(
            "a vintage muscle car",
            "a sleek electric supercar",
            "a rally car in the mud",
            "a classic VW camper van",
            "a Formula 1 car",
            "a lowrider",
            "an off-road pickup truck",
            "a retro Italian sports car",
            "a Japanese drift car",
            "a convertible on a coastal road",
        ),
        details=(
            "with motion blur",
            "on a wet racetrack",
            "in a studio showroom",
            "under neon garage lights",
            "on a desert highway",
            "in a glossy car magazine style",
        ),
    ),
    "sports": _Domain(
        subjects=(
            "a basketball slam dunk",
            "a sprinter off the blocks",
            "a surfer riding a barrel wave",
            "a soccer player mid-kick",
            "a skier carving powder",
            "a boxer in the ring",
            "a marathon runner",
            "a tennis serve",
            "a rock climber on a cliff face",
            "a cyclist in a peloton",
        ),
        details=(
            "frozen at the peak of action",
            "under stadium floodlights",
            "with sweat droplets flying",
            "in a sports magazine style",
            "with a dynamic low angle",
            "with a cheering crowd behind",
        ),
    ),
    "music": _Domain(
        subjects=(
            "an electric guitar",
            "a vinyl record spinning",
            "a grand piano",
            "a rock concert crowd",
            "a DJ behind turntables",
            "a saxophone player",
            "a violinist",
            "a cassette tape",
            "a drum kit",
            "a vintage microphone",
        ),
        details=(
            "under stage lights",
            "in a smoky jazz club",
            "as an album cover",
            "with sound waves rippling",
            "in a recording studio",
            "at a summer festival",
        ),
    ),
    "abstract": _Domain(
        subjects=(
            "flowing liquid shapes",
            "geometric patterns",
            "swirling ink clouds",
            "fractal spirals",
            "layered paper cutouts",
            "bold colour fields",
            "iridescent gradients",
            "scattered brushstrokes",
            "interlocking circles",
            "shattered glass shards",
        ),
        details=(
            "in vivid complementary colours",
            "in a Bauhaus style",
            "with metallic accents",
            "in a generative art style",
            "with subtle noise texture",
            "in muted earth tones",
        ),
    ),
    "pets": _Domain(
        subjects=(
            "a golden retriever puppy",
            "a tabby cat",
            "a fluffy rabbit",
            "a corgi",
            "a parrot on a perch",
            "a sleeping kitten",
            "a hamster with full cheeks",
            "a pug in a sweater",
            "a border collie",
            "a goldfish bowl",
        ),
        details=(
            "curled up on a blanket",
            "in a sunny backyard",
            "in a studio pet portrait",
            "by a cozy fireplace",
            "with a playful expression",
            "on a living room rug",
        ),
    ),
    "weddings": _Domain(
        subjects=(
            "a bride and groom",
            "a floral wedding arch",
            "a tiered wedding cake",
            "a first dance",
            "a bridal bouquet",
            "wedding rings on a cushion",
            "a rustic barn reception",
            "a beach ceremony",
            "a bridal party",
            "a wedding invitation suite",
        ),
        details=(
            "in soft romantic light",
            "with fairy lights overhead",
            "in a fine-art film style",
            "with rose petals falling",
            "at sunset",
            "in blush and ivory tones",
        ),
    ),
    "cityscapes_at_night": _Domain(
        subjects=(
            "a glittering skyline",
            "a neon-lit avenue",
            "a bridge over a dark river",
            "a rain-slicked downtown street",
            "a Hong Kong harbour",
            "a Times Square crowd",
            "a rooftop bar",
            "a highway interchange",
            "an illuminated clock tower",
            "a quiet residential block",
        ),
        details=(
            "with light trails",
            "under a full moon",
            "in a long-exposure shot",
            "with reflections on wet asphalt",
            "in purple and teal hues",
            "seen from a high rooftop",
        ),
    ),
    "botanical": _Domain(
        subjects=(
            "a monstera leaf",
            "a blooming peony",
            "a fern frond unfurling",
            "a cluster of succulents",
            "a wild orchid",
            "a sunflower head",
            "a eucalyptus sprig",
            "a lotus flower",
            "a branch of cherry blossom",
            "a pressed wildflower",
        ),
        details=(
            "as a vintage botanical plate",
            "in a detailed scientific illustration",
            "with dew drops",
            "on cream paper",
            "in macro detail",
            "in delicate watercolour",
        ),
    ),
    "steampunk": _Domain(
        subjects=(
            "a brass airship",
            "a clockwork automaton",
            "an inventor's workshop",
            "a goggled aviator",
            "a steam locomotive",
            "a mechanical owl",
            "a Victorian time machine",
            "a copper diving suit",
            "a gear-driven pocket watch",
            "a smog-filled industrial city",
        ),
        details=(
            "with brass gears and rivets",
            "venting clouds of steam",
            "in sepia tones",
            "in a Victorian engraving style",
            "lit by gas lamps",
            "with intricate clockwork details",
        ),
    ),
    "watercolor_scenes": _Domain(
        subjects=(
            "a seaside village",
            "a rainy Paris café",
            "a lavender field",
            "a lighthouse on a cliff",
            "a canal with boats",
            "a mountain lake",
            "a flower market",
            "a country cottage",
            "a harbour at dawn",
            "an autumn park path",
        ),
        details=(
            "in loose watercolour washes",
            "with soft bleeding edges",
            "with ink outlines",
            "on textured cold-press paper",
            "in pastel watercolour tones",
            "with splatter accents",
        ),
    ),
}

DOMAINS: dict[str, tuple[str, ...]] = {name: spec.phrases() for name, spec in _SPECS.items()}

_STOP_WORDS: frozenset[str] = frozenset(
    {"a", "after", "among", "an", "and", "at", "behind", "by", "for", "from", "in", "into", "of"}
    | {"off", "on", "one", "over", "past", "seen", "the", "through", "to", "under", "with"}
)

_GENERAL_TAGS: frozenset[str] = frozenset(
    {
        # media and techniques
        "3d",
        "acrylic",
        "anime-style",
        "art",
        "charcoal",
        "collage",
        "digital",
        "gouache",
        "illustration",
        "ink",
        "lineart",
        "low-poly",
        "oil",
        "painting",
        "pastel",
        "pencil",
        "photo",
        "pixel",
        "render",
        "sketch",
        "vector",
        "watercolor",
        # styles
        "art-deco",
        "art-nouveau",
        "baroque",
        "bauhaus",
        "cartoon",
        "cinematic",
        "comic",
        "cyberpunk",
        "editorial",
        "flat",
        "futuristic",
        "gothic",
        "impressionist",
        "isometric",
        "minimal",
        "modern",
        "photorealistic",
        "pop-art",
        "realistic",
        "retro",
        "surreal",
        "vaporwave",
        "vintage",
        # moods
        "bold",
        "bright",
        "calm",
        "cheerful",
        "cozy",
        "cute",
        "dark",
        "dreamy",
        "eerie",
        "elegant",
        "epic",
        "nostalgic",
        "moody",
        "mysterious",
        "playful",
        "romantic",
        "serene",
        "soft",
        "whimsical",
        # colours
        "beige",
        "black",
        "blue",
        "colorful",
        "gold",
        "green",
        "monochrome",
        "neon",
        "orange",
        "pink",
        "purple",
        "red",
        "silver",
        "teal",
        "white",
        "yellow",
        # time, seasons and light
        "autumn",
        "day",
        "dawn",
        "dusk",
        "night",
        "spring",
        "summer",
        "sunset",
        "winter",
        # formats and uses
        "avatar",
        "banner",
        "landscape",
        "portrait",
        "poster",
        "square",
        "sticker",
        "thumbnail",
        "wallpaper",
        # themes
        "city",
        "nature",
    }
)


def _subject_words(subject: str) -> set[str]:
    """Tag-safe words of a subject: lowercase, only [a-z0-9_-], no stop words or short words."""
    ascii_text = unicodedata.normalize("NFKD", subject).encode("ascii", "ignore").decode()
    words = (re.sub(r"[^a-z0-9_-]", "", word.lower()).strip("_-") for word in ascii_text.split())
    return {word for word in words if len(word) >= 3 and word not in _STOP_WORDS}


TAGS: tuple[str, ...] = tuple(
    sorted(
        set(_SPECS)
        | {
            word
            for spec in _SPECS.values()
            for subject in spec.subjects
            for word in _subject_words(subject)
        }
        | _GENERAL_TAGS
    )
)

# Each domain phrase's subject, and the tags each phrase carries: a subject's words, or the
# general tags a style phrase names. Content is tagged from the phrases of its own prompt.
SUBJECT_OF: dict[str, str] = {
    phrase: subject
    for spec in _SPECS.values()
    for subject in spec.subjects
    for phrase in (subject, *(f"{subject} {detail}" for detail in spec.details))
}
# A phrase that is both a subject and a style ("negative space") carries both kinds of tag.
PHRASE_TAGS: dict[str, tuple[str, ...]] = {
    phrase: tuple(
        sorted(
            (_subject_words(SUBJECT_OF[phrase]) if phrase in SUBJECT_OF else set())
            | (_subject_words(phrase) & _GENERAL_TAGS if phrase in GENERAL else set())
        )
    )
    for phrase in dict.fromkeys([*SUBJECT_OF, *GENERAL])
}


def without_article(phrase: str) -> str:
    return re.sub(r"^(a|an|the) ", "", phrase)


def prompt_phrases(prompt: str) -> list[str]:
    """A prompt's phrases, in order: the templates join them with ', ' and ' -- '."""
    return [p for part in prompt.split(" -- ") for p in part.split(", ")]


# Every tag a domain's phrases carry (its subjects' words).
DOMAIN_TAGS: dict[str, frozenset[str]] = {
    name: frozenset(t for phrase in phrases for t in PHRASE_TAGS[phrase])
    for name, phrases in DOMAINS.items()
}
