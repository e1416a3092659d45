"""Song sections: from the manifest when the user gave them, else the whole song as one."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.session import Session


@dataclass(frozen=True)
class Section:
    """A named stretch of the song; ``source`` is 'manifest' or 'detected'."""

    name: str
    start_s: float
    end_s: float
    source: str = "manifest"

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3)}


def manifest_sections(session: Session) -> list[Section]:
    """Sections written in mixreview.toml, each ending where the next starts (or at its end_s)."""
    raw = [s for s in session.manifest.sections if s.start_s < session.duration_s]
    sections: list[Section] = []
    for index, entry in enumerate(raw):
        next_start = raw[index + 1].start_s if index + 1 < len(raw) else session.duration_s
        end_s = min(entry.end_s if entry.end_s is not None else next_start, session.duration_s)
        sections.append(Section(entry.name, entry.start_s, max(end_s, entry.start_s)))
    return sections


def session_sections(session: Session) -> list[Section]:
    """The sections every rule works with."""
    sections = manifest_sections(session)
    if sections:
        return sections
    return [Section("Song", 0.0, session.duration_s, source="detected")]
