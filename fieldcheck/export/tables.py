"""The tables a cycle is exported as: one description and one row generator per table.

Every export (the package, the XLSX, the CSV/JSON downloads, the read API) reads these and nothing
else, so a column means the same thing everywhere. A description (`Table`) is what becomes the
Frictionless Table Schema: typed fields with a zh and an en description, the primary key, the
foreign keys. A generator yields plain dicts (keys in field order, values str/int/float/bool/None or
a UTC datetime) in a stable keyset order, `(cycle, after=None, limit=None)`:

- `after` is the tuple of the `order` fields of the last row already read (`table.cursor(row)`);
  the rows that follow it in the table's order are yielded;
- `limit` stops after that many rows.

The large tables (claims, interviews, flags, sample, ballots) are read with `yield_per`, which
streams from a server-side cursor on PostgreSQL, so memory stays flat whatever the size; the small
ones (one row per report or report × aspect) are computed from the scores in memory.

Column names are stable across cycles: aspects are rows (`aspects`), never columns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..cycles.models import Cycle
from .rows import (
    Rows,
    _ballot_stmt,
    _count_of,
    _flag_stmt,
    _frame_count,
    _interview_count,
    _sample_count,
    _sql_count,
    aspect_rows,
    ballot_rows,
    claim_rows,
    flag_rows,
    flag_tuples,
    frame_rows,
    grade_rows,
    interview_rows,
    interview_tuples,
    rectification_rows,
    report_rows,
    routine_rows,
    sample_rows,
)


TYPES = ("string", "integer", "number", "boolean", "date", "datetime")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    en: str
    zh: str

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise ValueError(f"unknown field type {self.type!r}")


@dataclass(frozen=True)
class ForeignKey:
    fields: tuple[str, ...]
    resource: str
    reference: tuple[str, ...]




@dataclass(frozen=True)
class Table:
    name: str
    en: str
    zh: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    # The fields whose values (as a tuple) are the keyset cursor: the rows come sorted by them.
    order: tuple[str, ...]
    rows: Rows
    count: Callable[[Cycle], int]
    foreign_keys: tuple[ForeignKey, ...] = ()
    # The fast path of the big tables: the same rows as tuples in field order (no dict per row).
    tuples: Callable[..., Iterator[tuple]] | None = None

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def values(self, cycle: Cycle, after=None, limit=None) -> Iterator[tuple]:
        """The rows as tuples in field order (what the CSV writer takes)."""
        if self.tuples is not None:
            return self.tuples(cycle, after, limit)
        return (tuple(row.values()) for row in self.rows(cycle, after, limit))

    def cursor(self, row: dict) -> tuple:
        """The keyset cursor after this row: pass it back as `after`."""
        return tuple(row[name] for name in self.order)

    def schema(self) -> dict:
        """This table as a Frictionless Table Schema (descriptions: en in `description`, zh beside it)."""
        schema = {
            "fields": [{"name": f.name, "type": f.type, "description": f.en, "description_zh": f.zh,
                        **({"format": "%Y-%m-%dT%H:%M:%SZ"} if f.type == "datetime" else {})}
                       for f in self.fields],
            "primaryKey": list(self.primary_key),
            "missingValues": [""],
        }
        if self.foreign_keys:
            schema["foreignKeys"] = [{"fields": list(fk.fields),
                                      "reference": {"resource": fk.resource, "fields": list(fk.reference)}}
                                     for fk in self.foreign_keys]
        return schema


# ---------------------------------------------------------------- the descriptions

F = Field
REPORT_FK = ForeignKey(("report",), "reports", ("report",))
CLAIM_FK = ForeignKey(("claim",), "claims", ("public_id",))

TABLES: tuple[Table, ...] = (
    Table("reports", "One row per report of the cycle: sample, decisions, verified share and its bound, "
          "satisfaction and total.", "每份报告一行：样本、审核、核实比例及其界、满意度和总分。", (
        F("report", "string", "Report id within the cycle (part of every claim's public id)", "报告标识（认定事项公开编号的一部分）"),
        F("cycle", "string", "Cycle code", "周期代码"),
        F("unit", "string", "Reporting unit", "报告单位"),
        F("secretary", "string", "Secretary who reported", "述职书记"),
        F("title", "string", "Report title", "报告标题"),
        F("report_sha256", "string", "SHA-256 of the report text as imported", "导入的报告文本的 SHA-256"),
        F("population", "integer", "Confirmed claims in the frame (population)", "抽样框中已确认的事项数（总体）"),
        F("drawn", "integer", "Drawn claims", "抽中的事项数"),
        F("sample_size", "integer", "Claims counted in the verified share: approved and rejected ones; at the close every "
          "drawn claim (one without an approved visit counts as not verified)",
          "计入属实比例的事项数：已通过和被驳回的；关闭时为全部抽中事项（没有通过审核的核查的按未核实计）"),
        F("approved", "integer", "Drawn claims whose visit was approved", "核查已通过审核的抽中事项数"),
        F("rejected", "integer", "Drawn claims whose visit was rejected", "核查被驳回的抽中事项数"),
        F("open", "integer", "Drawn claims not decided yet", "尚未审定的抽中事项数"),
        F("decided", "integer", "approved + rejected", "已审定数（通过＋驳回）"),
        F("not_verified", "integer", "Counted claims not found true: false (finding value < 0.5), rejected, and at the "
          "close undecided", "计入的事项中未被核实的：不属实（核实值 < 0.5）、被驳回，以及关闭时仍未审定的"),
        F("failures", "integer", "Same as not_verified: the failures the bound is computed from", "同 not_verified：计算界所依据的失败数"),
        F("verified_share", "number", "Share of the counted claims found true", "计入的事项中属实的比例"),
        F("verified_share_lower", "number", "Exact (hypergeometric) lower bound of the verified share at the confidence",
          "按置信度计算的核实比例精确下界（超几何）"),
        F("false_claims_upper_bound", "integer", "Upper bound on false claims in the population", "总体中不属实事项数的上界"),
        F("false_claims_point_estimate", "number", "Point estimate of false claims in the population",
          "总体中不属实事项数的点估计"),
        F("verified_share_cp_lower", "number", "Clopper–Pearson lower bound of the verified share (for comparison)",
          "核实比例的 Clopper–Pearson 下界（供比较）"),
        F("verified_share_cp_upper", "number", "Clopper–Pearson upper bound of the verified share (for comparison)",
          "核实比例的 Clopper–Pearson 上界（供比较）"),
        F("confidence", "number", "Confidence of the bounds", "界的置信度"),
        F("satisfaction", "number", "Residents' satisfaction 0–100 (all ratings pooled)", "群众满意度 0–100（全部评分合并）"),
        F("ratings", "integer", "Ratings behind the satisfaction", "满意度所依据的评分数"),
        F("interviews", "integer", "Residents interviewed on the approved visits (people, not ratings)",
          "已通过审核的核查中访谈的群众人数（按人计，不按评分计）"),
        F("total", "number", "Total score 0–100 (weighted aspect scores)", "总分 0–100（各方面加权）"),
        F("provisional", "boolean", "True until the cycle is closed (undecided claims are not counted until then)",
          "考核批次关闭之前为 true（此前未审定的事项不计入）"),
        F("grade", "string", "Grade given by the committee (empty until decided)", "评定等次（未评定时为空）"),
    ), ("report",), ("report",), report_rows, _count_of(report_rows)),
    Table("aspects", "Per report and aspect (long form): score, n, verified share and its bound.",
          "每份报告每个方面一行（长表）：得分、样本数、核实比例及其界。", (
        F("report", "string", "Report id", "报告标识"),
        F("aspect", "string", "Aspect code", "方面代码"),
        F("aspect_zh", "string", "Aspect name (Chinese)", "方面名称（中文）"),
        F("aspect_en", "string", "Aspect name (English)", "方面名称（英文）"),
        F("weight", "number", "Weight of the aspect in the total", "方面在总分中的权重"),
        F("population", "integer", "Confirmed claims of this aspect in the report", "该报告该方面已确认的事项数"),
        F("n", "integer", "Counted claims of this aspect (as the report's sample_size)", "该方面计入的事项数（同报告的 sample_size）"),
        F("failures", "integer", "Of those, found false", "其中不属实数"),
        F("score", "number", "Aspect score 0–100 (mean claim score)", "方面得分 0–100（事项得分均值）"),
        F("verified_share", "number", "Share found true", "属实比例"),
        F("verified_share_lower", "number", "Exact lower bound of the verified share", "核实比例精确下界"),
        F("false_claims_upper_bound", "integer", "Upper bound on false claims of this aspect", "该方面不属实事项数上界"),
    ), ("report", "aspect"), ("report", "aspect"), aspect_rows, _count_of(aspect_rows), (REPORT_FK,)),
    Table("claims", "Every drawn claim — open, rejected and approved — with its visit, finding, score and review.",
          "每个抽中事项（未审定、驳回和通过）及其核查、结论、得分和审核。", (
        F("public_id", "string", "Public claim id: cycle/report/n", "事项公开编号：周期/报告/序号"),
        F("report", "string", "Report id", "报告标识"),
        F("n", "integer", "Number of the claim in its report", "事项在报告中的序号"),
        F("stratum", "string", "Sampling stratum", "抽样层"),
        F("aspect", "string", "Aspect code", "方面代码"),
        F("sample_reason", "string", "Why drawn: size (the rule) or an extension", "抽中原因：按规则（size）或补充"),
        F("ticket", "string", "Public ticket of the draw (hex)", "抽样公开票号（十六进制）"),
        F("text", "string", "The claim as written in the report", "报告中的事项原文"),
        F("claimed_qty", "number", "Quantity claimed", "报告的数量"),
        F("qty_unit", "string", "Unit of the quantities", "数量单位"),
        F("state", "string", "State of the visit: unassigned, assigned, submitted, returned, approved, rejected",
          "核查状态：unassigned、assigned、submitted、returned、approved、rejected"),
        F("blind_qty", "number", "Quantity counted before the claimed one was shown (blind count)",
          "在看到报告数量前清点的数量（盲数）"),
        F("verification", "integer", "Id of the latest visit record", "最近一次核查记录编号"),
        F("submitted_at", "datetime", "When that visit was submitted (UTC)", "该次核查提交时间（UTC）"),
        F("finding", "string", "Finding: verified, partly, not_verified, site_not_found", "结论：verified、partly、not_verified、site_not_found"),
        F("observed_qty", "number", "Quantity observed", "实地观察的数量"),
        F("unverified_reason", "string", "Why the claim counts as not verified: rejected (at once), not_visited or "
          "not_decided (at the close); empty otherwise", "该事项按未核实计的原因：rejected（驳回即计）、not_visited 或 "
          "not_decided（关闭时计）；否则为空"),
        F("finding_value", "number", "Finding value f in [0, 1] (approved claims; 0 when counted as not verified)",
          "核实值 f ∈ [0, 1]（已通过的事项；按未核实计时为 0）"),
        F("interviews", "integer", "Interviews on that visit", "该次核查的访谈数"),
        F("ratings", "integer", "Ratings on that visit", "该次核查的评分数"),
        F("satisfaction", "number", "Satisfaction 0–100 (approved claims)", "满意度 0–100（已通过的事项）"),
        F("score", "number", "Claim score 0–100 (approved claims)", "事项得分 0–100（已通过的事项）"),
        F("review_decision", "string", "Latest review: approve, return, reject, propose_reject", "最近一次审核：approve、return、reject、propose_reject"),
        F("review_reason_code", "string", "Reason code of that review", "该审核的原因代码"),
        F("review_reason", "string", "Reason written by the reviewer", "审核人填写的理由"),
        F("flags", "string", "Evidence flag codes on that visit, space-separated", "该次核查的证据提示代码，空格分隔"),
    ), ("public_id",), ("report", "n"), claim_rows, _sample_count,
        (REPORT_FK, ForeignKey(("public_id",), "sample", ("public_id",)))),
    Table("interviews", "One row per interview and question: anonymous 1–5 ratings.",
          "每次访谈每个问题一行：匿名的 1–5 分评分。", (
        F("interview", "integer", "Interview number", "访谈编号"),
        F("question", "integer", "Question id (see fieldcheck.questions)", "问题编号（见 fieldcheck.questions）"),
        F("value", "integer", "Rating 1–5", "评分 1–5"),
        F("respondent", "string", "member (党员) or resident (群众)", "member（党员）或 resident（群众）"),
        F("source", "string", "examiner (asked on the spot) or qr (answered on the resident's phone)",
          "examiner（现场询问）或 qr（群众扫码作答）"),
        F("claim", "string", "Public id of the claim", "事项公开编号"),
        F("aspect", "string", "Aspect code of the claim", "事项的方面代码"),
        F("verification", "integer", "Visit record the interview belongs to", "访谈所属核查记录编号"),
        F("visit_kind", "string", "primary or backcheck", "primary（首次核查）或 backcheck（复核）"),
    ), ("interview", "question"), ("interview", "question"), interview_rows, _interview_count, (CLAIM_FK,),
        interview_tuples),
    Table("flags", "Automatic evidence flags raised on visits (warnings for the reviewer).",
          "核查中自动产生的证据提示（供审核人参考）。", (
        F("flag", "integer", "Flag number", "提示编号"),
        F("claim", "string", "Public id of the claim", "事项公开编号"),
        F("verification", "integer", "Visit record", "核查记录编号"),
        F("visit_kind", "string", "primary or backcheck", "primary 或 backcheck"),
        F("code", "string", "Flag code", "提示代码"),
        F("figures", "string", "The figures behind the flag (JSON object)", "提示所依据的数值（JSON 对象）"),
    ), ("flag",), ("flag",), flag_rows, _sql_count(_flag_stmt), (CLAIM_FK,), flag_tuples),
    Table("frame", "The frozen sampling frame, verbatim: its SHA-256 is the published frame hash.",
          "冻结的抽样框原文：其 SHA-256 即公布的抽样框哈希。", (
        F("public_id", "string", "Public claim id", "事项公开编号"),
        F("stratum", "string", "Stratum", "抽样层"),
        F("aspect", "string", "Aspect code", "方面代码"),
    ), ("public_id",), ("public_id",), frame_rows, _frame_count),
    Table("sample", "The drawn sample as published (rank and ticket per claim).", "公布的抽样结果（每个事项的序位和票号）。", (
        F("public_id", "string", "Public claim id", "事项公开编号"),
        F("stratum", "string", "Stratum", "抽样层"),
        F("rank", "integer", "Rank within the stratum", "层内序位"),
        F("ticket", "string", "Ticket (hex)", "票号（十六进制）"),
        F("reason", "string", "size (the rule) or an extension", "size（规则）或补充"),
    ), ("public_id",), ("public_id",), sample_rows, _sample_count, (ForeignKey(("public_id",), "frame", ("public_id",)),)),
    Table("ballots", "Meeting ballot counts per round, report, grade and source.", "民主测评票数：按轮次、报告、等次和来源。", (
        F("round", "integer", "Ballot round number", "测评轮次编号"),
        F("report", "string", "Report id", "报告标识"),
        F("grade", "string", "Grade voted", "所投等次"),
        F("source", "string", "online or paper", "online（线上）或 paper（纸质）"),
        F("count", "integer", "Ballots", "票数"),
        F("round_title", "string", "Title of the round", "轮次名称"),
        F("closes_at", "datetime", "When the round closes (UTC)", "轮次截止时间（UTC）"),
    ), ("round", "report", "grade", "source"), ("round", "report", "grade", "source"), ballot_rows,
        _sql_count(_ballot_stmt), (REPORT_FK,)),
    Table("routine", "Routine research scores (平时调研).", "平时调研得分。", (
        F("report", "string", "Report id", "报告标识"),
        F("score", "number", "Score 0–100", "得分 0–100"),
        F("note", "string", "Note", "备注"),
    ), ("report",), ("report",), routine_rows, _count_of(routine_rows), (REPORT_FK,)),
    Table("rectification", "Rectification items (整改清单) per report: where each came from, the measure, the deadline, "
          "the state and the status shown (overdue is computed on the day of the export).",
          "每份报告的整改事项：来源、措施、期限、状态和显示的进度（是否逾期按导出当天计算）。", (
        F("report", "string", "Report id", "报告标识"),
        F("item", "integer", "Item id", "整改事项编号"),
        F("source", "string", "Where it came from: claim, flag, lead, note, unit, carried", "来源：claim、flag、lead、note、unit、carried"),
        F("source_label", "string", "What it came from (e.g. the claim's public id)", "来源说明（如事项公开编号）"),
        F("finding", "string", "The finding behind it", "对应的核查结论"),
        F("problem", "string", "The problem", "问题"),
        F("measure", "string", "The measure", "整改措施"),
        F("responsible", "string", "Who is responsible (a role or a name)", "责任人（职务或姓名）"),
        F("deadline", "date", "Deadline", "整改期限"),
        F("progress", "string", "Progress written by the unit", "单位填写的进展"),
        F("state", "string", "Stored state: open, in_progress, done, signed_off", "存储状态：open、in_progress、done、signed_off"),
        F("status", "string", "Status shown: open, in_progress, done (signed off), overdue", "显示进度：open、in_progress、done（已销号）、overdue"),
        F("done_at", "datetime", "When the unit marked it done (UTC)", "单位标记完成的时间（UTC）"),
        F("signed_off_at", "datetime", "When the organizer signed it off (UTC)", "组织者销号的时间（UTC）"),
        F("photos", "integer", "Evidence photos of completion", "完成情况的证据照片数"),
    ), ("report", "item"), ("report", "item"), rectification_rows, _count_of(rectification_rows), (REPORT_FK,)),
    Table("grades", "Per report: the three parts, the composite, the proposed and the decided grade.",
          "每份报告：三部分得分、综合分、建议等次和评定等次。", (
        F("report", "string", "Report id", "报告标识"),
        F("verification_total", "number", "Verification total 0–100", "实地核查总分 0–100"),
        F("ballot_score", "number", "Ballot score 0–100", "民主测评得分 0–100"),
        F("routine_score", "number", "Routine research score 0–100", "平时调研得分 0–100"),
        F("composite", "number", "Weighted composite", "加权综合分"),
        F("proposed_grade", "string", "Grade proposed by the rules", "按规则建议的等次"),
        F("grade", "string", "Grade decided by the committee", "评定的等次"),
        F("grade_reason", "string", "Reason when the decided grade differs", "评定等次与建议不同时的理由"),
        F("provisional", "boolean", "True while parts are missing or claims undecided", "尚有缺项或未审定事项时为 true"),
        F("reasons", "string", "How the proposal came about: JSON list of {code, figures…}", "建议等次的依据：JSON 列表 {code, 数值…}"),
    ), ("report",), ("report",), grade_rows, _count_of(grade_rows), (REPORT_FK,)),
)

BY_NAME = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    """The table by name; KeyError names it when there is none."""
    return BY_NAME[name]

