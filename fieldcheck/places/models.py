"""Places with coordinates in the datum they were given in."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .geo import to_wgs84


def full_name(name: str, parent: str | None) -> str:
    """A place as people name it: with its parent (township, county) when it has one."""
    return f"{parent} {name}" if parent else name


class Place(db.Model):
    __tablename__ = "place"
    __table_args__ = (
        sa.UniqueConstraint("name", "parent_id", name="uq_place_name_parent"),
        sa.CheckConstraint("crs in ('wgs84','gcj02','bd09')", name="crs"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32), default="")
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("place.id"))
    lat: Mapped[float]
    lon: Mapped[float]
    # The datum as given (maps copied from Chinese services are GCJ-02 or BD-09).
    crs: Mapped[str] = mapped_column(sa.String(8), default="wgs84")

    parent: Mapped["Place | None"] = relationship(remote_side=[id])

    @property
    def full_name(self) -> str:
        return full_name(self.name, self.parent.name if self.parent else None)

    def wgs84(self) -> tuple[float, float]:
        """The place's position in WGS-84, the datum browsers report."""
        return to_wgs84(self.lat, self.lon, self.crs)
