"""Failures that another try cannot fix: steps fail at once on these, without their retries."""

from synth_assets.load import target
from synth_assets.load.drift import SchemaDriftError
from synth_assets.personas import PersonaError
from synth_assets.settings import SettingError

REFUSALS = (
    target.UnsafeDatabaseError,
    target.TargetError,
    SettingError,
    SchemaDriftError,
    PersonaError,
)
