"""Volunteer-hours certificates (志愿服务时长证明) over HTTP: the PDF and the public check.

`GET /certificates/{id}.pdf` with the bearer token of GraphQL: the certificate as a PDF, for
whoever may read it (the member himself, his unit or branch, the district, the auditor); one
he may not read is 404 exactly like an unknown id. The PDF prints the member's full name:
the download is an audit entry (`READ_PERSONAL` of `Member.name`, revealed by
`GET /certificates`), written before the file is sent (503 `AUDIT_UNAVAILABLE` otherwise).

`GET /certificates/verify/{code}`, for anyone (the QR code on the PDF points here): what
`verifyCertificate` answers, as JSON: masked name, period, totals, state. Like every
anonymous request it counts against the per-address rate limit (gateway/ratelimit.py).
"""

from __future__ import annotations

import io
import logging
import re
from decimal import Decimal
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from datasources.common import CHINA
from datasources.scope import Role
from datasources.units.models import CertificateStatus, VolunteerCertificate
from gateway.refusals import refusal
from resolvers import certificates
from schema.errors import ErrorCode

logger = logging.getLogger("dualhub.certificates")

VIA = "GET /certificates"
FONT = "STSong-Light"  # reportlab's built-in CID font: Chinese without a font file
_ID = re.compile(r"[0-9]{1,9}")
STATUS_NAMES = {CertificateStatus.ISSUED: "有效", CertificateStatus.REVOKED: "已撤销"}


def verification_url(request: Request, code: str) -> str:
    """Where the QR code points: the public check of this code on the hub it came from."""
    base = str(request.base_url).rstrip("/")
    return f"{base}/certificates/verify/{certificates.printed(code)}"


def render(row: VolunteerCertificate, url: str) -> bytes:
    """The certificate as a one-page A4 PDF: title, member, period, totals by counted type,
    the verification code and a QR code of `url`; a revoked one says so in large type."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=True)
    code = certificates.printed(row.code)
    pdf.setTitle(f"志愿服务时长证明 {code}")
    width, height = A4
    pdf.setFont(FONT, 24)
    pdf.drawCentredString(width / 2, height - 40 * mm, "志愿服务时长证明")
    pdf.setFont(FONT, 13)
    lines = [
        f"兹证明 {row.member_name}（党员编号 {row.member_code}）",
        f"于 {row.period_from.isoformat()} 至 {row.period_to.isoformat()}",
        "在居住地社区参加“双报到”志愿服务，经确认：",
        f"服务 {row.services} 次，服务时长 {certificates.hours_text(row.hours)} 小时。",
    ]
    y = height - 65 * mm
    for line in lines:
        pdf.drawString(25 * mm, y, line)
        y -= 9 * mm
    y -= 3 * mm
    pdf.setFont(FONT, 11)
    for kind, part in (row.breakdown or {}).items():
        name = certificates.KIND_NAMES.get(kind, kind)
        hours = certificates.hours_text(Decimal(str(part["hours"])))
        text = f"{name}：{part['count']} 次" + (f"，{hours} 小时" if kind != "wishes" else "")
        pdf.drawString(30 * mm, y, text)
        y -= 7 * mm
    y -= 6 * mm
    issued = row.issued_at.astimezone(CHINA).date().isoformat()
    pdf.drawString(25 * mm, y, f"开具日期：{issued}")
    y -= 7 * mm
    pdf.drawString(25 * mm, y, f"核验码：{code}")
    y -= 7 * mm
    pdf.drawString(25 * mm, y, "凭核验码可在本平台查验，无需登录（仅显示脱敏姓名、期间和合计）。")
    qr = QrCodeWidget(url)
    left, bottom, right, top = qr.getBounds()
    size = 35 * mm
    drawing = Drawing(size, size, transform=[size / (right - left), 0, 0,
                                             size / (top - bottom), 0, 0])  # fmt: skip
    drawing.add(qr)
    renderPDF.draw(drawing, pdf, width - 25 * mm - size, 25 * mm)
    if row.status is CertificateStatus.REVOKED:
        pdf.setFont(FONT, 40)
        pdf.setFillColorRGB(0.8, 0, 0)
        pdf.drawCentredString(width / 2, height / 2 - 40 * mm, "已撤销 作废")
        pdf.setFont(FONT, 11)
        pdf.drawCentredString(width / 2, height / 2 - 50 * mm, f"撤销原因：{row.revoked_reason}")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


async def download(request: Request) -> Response:
    """`GET /certificates/{id}.pdf` with the bearer token."""
    hub = request.app.state.hub
    viewer = request.user.viewer
    if viewer.role is Role.ANONYMOUS:
        return refusal(401, ErrorCode.UNAUTHENTICATED, "请先登录。A bearer token is required.")
    name, _, fmt = request.path_params["file"].rpartition(".")
    missing = refusal(404, ErrorCode.NOT_FOUND, "找不到该证明。No such certificate.")
    if fmt != "pdf" or _ID.fullmatch(name) is None:
        return missing
    ctx = hub.context(request)
    row = await certificates.readable(ctx, int(name))
    if row is None:
        return missing
    ctx.audit.read("Member", row.member_code, "Member.name", via=VIA)
    events = ctx.audit.events(
        viewer, operation_name=f"certificate:{row.id}", request_id=ctx.request_id
    )
    try:
        await ctx.sources.audit.record(events)
    except Exception:
        logger.exception("request %s: audit log write failed", ctx.request_id)
        return refusal(503, ErrorCode.AUDIT_UNAVAILABLE,
                       "审计日志暂不可用，无法下载。The audit log cannot be written.")  # fmt: skip
    # reportlab is CPU work of tens of milliseconds: off the event loop.
    body = await run_in_threadpool(render, row, verification_url(request, row.code))
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="certificate-{row.id}.pdf"'},
    )


def verification(row: VolunteerCertificate) -> dict[str, Any]:
    """What anyone may learn of a certificate (the fields of `CertificateVerification`)."""
    return {
        "verificationCode": certificates.printed(row.code),
        "maskedName": certificates.public_name(row),
        "year": row.year,
        "periodFrom": row.period_from.isoformat(),
        "periodTo": row.period_to.isoformat(),
        "services": row.services,
        "hours": float(row.hours),
        "status": row.status.name,
        "statusName": STATUS_NAMES[row.status],
        "issuedOn": certificates.issued_on(row).isoformat(),
    }


async def verify(request: Request) -> Response:
    """`GET /certificates/verify/{code}`, for anyone: the public check as JSON."""
    hub = request.app.state.hub
    row = await certificates.verify(hub.context(request), request.path_params["code"][:64])
    if row is None:
        return refusal(
            404, ErrorCode.NOT_FOUND, "核验码无效，未找到该证明。No certificate has this code."
        )
    return JSONResponse({"data": verification(row)})
