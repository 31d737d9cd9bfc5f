"""Phrase pools for image-generation prompts: one pool per domain, plus a general pool of
style and quality phrases that fit any domain, and the global tag pool."""

from __future__ import annotations

GENERAL: tuple[str, ...] = (
    "highly detailed", "soft natural light", "golden hour", "cinematic composition",
    "shallow depth of field", "35mm film grain", "muted pastel palette", "vibrant colours",
    "dramatic shadows", "wide angle", "overhead shot", "minimal background", "4k", "sharp focus",
    "warm tones", "cool blue tones", "studio lighting", "bokeh", "rule of thirds", "symmetrical",
)

DOMAINS: dict[str, tuple[str, ...]] = {
    "anime": ("a cel-shaded heroine", "cherry blossoms drifting", "a neon Tokyo alley", "big expressive eyes", "a school rooftop at dusk", "a magical girl transformation", "a ramen stall at night", "a giant mecha in the distance"),
    "fantasy": ("an ancient dragon", "a crumbling elven tower", "a glowing rune sword", "misty enchanted forest", "a wizard's cluttered study", "a floating island", "knights on horseback", "a moonlit castle"),
    "street_art": ("a spray-painted mural", "bold graffiti lettering", "a brick wall in Brooklyn", "paste-up posters", "a stencil portrait", "drips of neon paint", "an underpass covered in tags", "a rooftop water tower"),
    "gaming": ("a pixel-art hero", "an isometric dungeon", "a glowing health bar", "a retro arcade cabinet", "a low-poly racing car", "a boss battle arena", "a cozy farming sim village", "a cyberpunk HUD overlay"),
    "memes": ("a surprised cat", "a dog in sunglasses", "bold impact-font caption", "a confused office worker", "a frog with a tiny hat", "a dramatic zoom on a face", "a cat judging a salad", "a shiba inu meditating"),
    "concept_art": ("an alien desert outpost", "a derelict starship interior", "a steampunk airship", "a sprawling megacity", "a post-apocalyptic highway", "creature design sheet", "a biomechanical armour suit", "a crystal cavern"),
    "architecture": ("a brutalist concrete facade", "a glass curtain wall", "a spiral staircase", "a mid-century modern house", "a gothic cathedral nave", "a cantilevered balcony", "a timber-frame pavilion", "an art deco lobby"),
    "travel": ("a Santorini whitewashed village", "a bustling Marrakech souk", "a Kyoto temple gate", "a road trip through Utah", "a Venice canal at dawn", "a backpacker hostel", "an Icelandic waterfall", "a night market in Taipei"),
    "food": ("a stack of fluffy pancakes", "a rustic sourdough loaf", "a steaming bowl of ramen", "a colourful poke bowl", "a charcuterie board", "hand-rolled pasta", "a glazed chocolate cake", "street tacos with lime"),
    "fashion": ("a tailored linen suit", "an oversized wool coat", "a runway under spotlights", "vintage denim", "a silk evening gown", "chunky white sneakers", "a street-style portrait", "layered gold jewellery"),
    "urban": ("a rainy city crosswalk", "a subway platform", "neon shop signs", "a rooftop skyline view", "a food truck line", "fire escapes in Manhattan", "a cyclist at rush hour", "a corner bodega"),
    "minimalism": ("a single chair in an empty room", "clean white lines", "a lone tree on a hill", "negative space", "a concrete bench", "one red balloon", "a paper crane", "a monochrome still life"),
    "interior_design": ("a Scandinavian living room", "a sunlit reading nook", "a boho bedroom with plants", "an open-plan kitchen", "a velvet sofa", "a gallery wall", "a marble bathroom", "a home office with a view"),
    "kids_crafts": ("paper plate animals", "a cardboard castle", "finger-painted rainbows", "salt dough ornaments", "a popsicle-stick house", "googly-eyed monsters", "a handmade birthday card", "a felt puppet"),
    "gardening": ("raised vegetable beds", "tomato vines on a trellis", "a cottage garden in bloom", "seedlings on a windowsill", "a greenhouse interior", "a bed of lavender", "a compost heap", "a watering can among tulips"),
    "holidays": ("a decorated Christmas tree", "carved pumpkins on a porch", "a Thanksgiving table", "fireworks over a lake", "Easter eggs in the grass", "a Diwali lamp", "a Hanukkah menorah", "a New Year's toast"),
    "landscapes": ("snow-capped mountains", "a winding river valley", "rolling green hills", "a desert at sunset", "a misty pine forest", "a rocky coastline", "a field of wildflowers", "aurora over a frozen lake"),
    "birds": ("a red cardinal on a branch", "a hummingbird mid-flight", "a heron in the shallows", "a snowy owl", "a flock of starlings", "a blue jay at a feeder", "a bald eagle soaring", "puffins on a cliff"),
    "history": ("a Roman forum", "a medieval market square", "a 1920s jazz club", "a Victorian street", "an Egyptian temple", "a Viking longship", "a Renaissance workshop", "a wartime railway station"),
    "product_photography": ("a perfume bottle on marble", "a sneaker on a pedestal", "a watch on driftwood", "a skincare set with leaves", "a coffee bag with beans", "headphones on a gradient", "a candle with dried flowers", "a leather wallet flat lay"),
    "marketing": ("a bold sale banner", "a smiling customer with a phone", "an app screenshot mockup", "a product launch poster", "a team in a bright office", "a social media carousel slide", "a billboard mockup", "a newsletter hero image"),
    "logos": ("a geometric fox emblem", "a minimal coffee cup mark", "a monogram in gold foil", "a mountain badge", "a playful mascot", "a wordmark in serif type", "a circular stamp seal", "an abstract wave symbol"),
}

TAGS: tuple[str, ...] = tuple(
    sorted(
        {word for pool in DOMAINS for word in pool.split("_")}
        | set(DOMAINS)
        | {
            "art", "photo", "illustration", "digital", "vintage", "modern", "cozy", "moody",
            "bright", "dark", "colorful", "monochrome", "portrait", "landscape", "square",
            "wallpaper", "poster", "sketch", "painting", "3d", "render", "watercolor", "oil",
            "ink", "pixel", "retro", "futuristic", "nature", "city", "night", "day", "summer",
            "winter", "spring", "autumn", "cute", "epic", "calm", "bold", "soft",
        }
    )
)
