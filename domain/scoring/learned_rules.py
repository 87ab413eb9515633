"""A rule set's learned factors: which snapshot they read, and what each is worth.

The section is optional; without it a rule set scores exactly as one without learning. A
document names the snapshot ("active", or a version number) and any of six factor kinds:

- ``calling_window``: ``points`` when now is inside the user's best hours, times how sure
  the snapshot is of those hours (their confidence, 0 to 1);
- ``contact_hour``: ``points`` times how much likelier the user answers in this London hour
  (their learned p(contact) per hour) than ``against`` gives, within -1 and +1: everyone in
  that hour (``"everyone"``, the default: who answers now, by habit and by hour) or the
  user's own calling day (``"their_day"``: timing alone); it moves every hour, so it uses
  the whole curve where ``calling_window`` uses its best two hours;
- ``segment_conversion``: ``points`` times how far the user's segment converts above (or
  below) everyone in their queue, as a share of everyone's rate, within -1 and +1;
- ``preferred_channel``: ``call_penalty`` points (zero or more) on a user who answers texts
  clearly better than calls; explainScore then recommends texting;
- ``retry_spacing``: ``points`` times how much less (or more) retries reach, at the gap
  since the user's last call when it missed them, than their hours promise (the snapshot's
  contacts against expected by gap, less 1, within -1 and +1): with negative points, as
  contact_hour's, a retry too soon after a miss waits and one at a gap that reaches more
  comes sooner;
- ``model``: ``points`` times an estimator's p(contact), the estimator read from ``file``
  (off unless ``enabled``).
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass, replace

from domain.scoring.document import MISSING, Reader, show
from domain.scoring.habits import SnapshotTables

FACTORS = ("calling_window", "contact_hour", "segment_conversion", "preferred_channel",
           "retry_spacing", "model")
_SECTION = ("snapshot", *FACTORS)
ACTIVE = "active"
_MAX_VERSION = 2_147_483_647


@dataclass(frozen=True, slots=True)
class ModelFeatures:
    """What a model factor's estimator is given, in this order (``as_row``)."""

    london_hour: int
    weekday: int  # 0 Monday .. 6 Sunday, London
    age: int  # completed years; -1 unknown
    failed_attempts: int
    days_since_reached: int  # -1 never reached
    open_claims: int
    window_rate: float  # the learned best-hours p(contact); -1.0 none

    def as_row(self) -> list[float]:
        return [float(self.london_hour), float(self.weekday), float(self.age),
                float(self.failed_attempts), float(self.days_since_reached),
                float(self.open_claims), self.window_rate]


class ContactPredictor(abc.ABC):
    """A loaded estimator: p(contact) for one user now."""

    @abc.abstractmethod
    def probability(self, features: ModelFeatures) -> float: ...


@dataclass(frozen=True, slots=True)
class ModelRule:
    file: str
    points: float
    enabled: bool


class Against(enum.Enum):
    """What contact_hour sets the user's p(contact) now against."""

    EVERYONE = "everyone"  # everyone's in the same hour
    THEIR_DAY = "their_day"  # the user's own mean over the calling day


@dataclass(frozen=True, slots=True)
class ContactHourRule:
    points: float
    against: Against = Against.EVERYONE


@dataclass(frozen=True, slots=True)
class LearnedRules:
    """The learned section as written, and what it reads once the rule set is loaded."""

    snapshot: int | None  # None: whichever snapshot is active
    calling_window: float | None = None  # points
    segment_conversion: float | None = None  # points
    call_penalty: float | None = None  # the preferred_channel factor's
    model: ModelRule | None = None
    contact_hour: ContactHourRule | None = None
    retry_spacing: float | None = None  # points
    tables: SnapshotTables | None = None  # the snapshot's, when loaded
    predictor: ContactPredictor | None = None  # the model's estimator, when loaded

    @property
    def snapshot_version(self) -> int | None:
        """The version its tables came from (None: not loaded, or no snapshot yet)."""
        return self.tables.version if self.tables is not None else None

    def loaded(self, tables: SnapshotTables | None,
               predictor: ContactPredictor | None) -> LearnedRules:
        return replace(self, tables=tables, predictor=predictor)


def read_learned(r: Reader, value: object) -> LearnedRules | None:
    """The section's rules; None when absent or bad (``r`` then holds the problems)."""
    if value is MISSING:
        return None
    section = r.obj(value, "learned", _SECTION, required=("snapshot",))
    if section is None:
        return None
    before = len(r.problems)
    snapshot = _snapshot(r, section.get("snapshot", MISSING))
    window = _points_of(r, section, "calling_window", "points")
    hour = _contact_hour(r, section.get("contact_hour", MISSING))
    segment = _points_of(r, section, "segment_conversion", "points")
    penalty = _points_of(r, section, "preferred_channel", "call_penalty",
                         "must be zero or more: it pushes calls to a text-preferring user back")
    spacing = _points_of(r, section, "retry_spacing", "points")
    model = _model(r, section.get("model", MISSING))
    if len(r.problems) > before:
        return None
    return LearnedRules(snapshot, window, segment, penalty, model, hour, spacing)


def _snapshot(r: Reader, value: object) -> int | None:
    if value == ACTIVE:
        return None
    if isinstance(value, str) or value is MISSING:
        if value is not MISSING:
            r.bad("learned.snapshot", f"must be \"active\" or a snapshot version, got "
                                      f"{show(value)}")
        return None
    return r.whole(value, "learned.snapshot", 1, _MAX_VERSION)


def _points_of(r: Reader, section: dict, factor: str, key: str, negative: str = ""
               ) -> float | None:
    value = section.get(factor, MISSING)
    given = r.obj(value, f"learned.{factor}", (key,), required=(key,))
    if given is None or key not in given:
        return None
    points = r.number(given[key], f"learned.{factor}.{key}")
    if points is not None and negative and points < 0:
        r.bad(f"learned.{factor}.{key}", negative)
        return None
    return points


def _contact_hour(r: Reader, value: object) -> ContactHourRule | None:
    given = r.obj(value, "learned.contact_hour", ("points", "against"), required=("points",))
    if given is None or "points" not in given:
        return None
    points = r.number(given["points"], "learned.contact_hour.points")
    against = given.get("against", Against.EVERYONE.value)
    kinds = [a.value for a in Against]
    if against not in kinds:
        r.bad("learned.contact_hour.against", f"must be one of {', '.join(kinds)}, got "
                                              f"{show(against)}")
        return None
    return None if points is None else ContactHourRule(points, Against(against))


def _model(r: Reader, value: object) -> ModelRule | None:
    given = r.obj(value, "learned.model", ("file", "points", "enabled"),
                  required=("file", "points"))
    if given is None:
        return None
    file = given.get("file", MISSING)
    if file is not MISSING and (not isinstance(file, str) or not file.strip()
                                or len(file) > 500):
        r.bad("learned.model.file", "must be a file's path of 1 to 500 characters")
    points = r.number(given.get("points", MISSING), "learned.model.points")
    enabled = given.get("enabled", False)
    if not isinstance(enabled, bool):
        r.bad("learned.model.enabled", f"must be true or false, got {show(enabled)}")
    if not isinstance(file, str) or points is None or not isinstance(enabled, bool):
        return None
    return ModelRule(file.strip(), points, enabled)

