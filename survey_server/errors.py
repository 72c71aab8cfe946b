"""Errors the product explains to people, and the one place that turns them into responses.

An ``AppError`` carries a stable ``code`` and its parameters, never a translated text: the text is
looked up when the response is rendered, in the language of that request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from survey_server.i18n import N_, gettext


@dataclass(frozen=True)
class FieldError:
    """A problem with one input field (``field`` is a question id or an envelope key)."""

    field: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


class AppError(Exception):
    """Base of every error shown to a user: an HTTP status, a stable code and a message id."""

    status_code: ClassVar[int] = 400
    code: ClassVar[str] = "error"
    message: ClassVar[str] = N_("Yêu cầu không hợp lệ.")

    def __init__(self, errors: list[FieldError] | None = None, **params: Any) -> None:
        super().__init__(self.code)
        self.errors = errors or []
        self.params = params

    def text(self, lang: str) -> str:
        return gettext(self.message, lang, **self.params)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled with its parameters, so an error raised in a child process
        (``survey_server.bounded``) reaches the user whole."""
        return (_rebuild, (type(self), self.errors, self.params, self.__dict__))


def _rebuild(
    kind: type[AppError], errors: list[FieldError], params: dict[str, Any], state: dict[str, Any]
) -> AppError:
    error = kind.__new__(kind)
    Exception.__init__(error, kind.code)
    error.__dict__.update(state)
    error.errors, error.params = errors, params
    return error


class NotFound(AppError):
    status_code = 404
    code = "not_found"
    message = N_("Không tìm thấy trang hoặc mã khảo sát này.")


class LinkNotFound(NotFound):
    code = "link_not_found"
    message = N_(
        "Mã khảo sát không đúng hoặc không còn được dùng. Ông/bà vui lòng kiểm tra lại mã in trên phiếu hoặc áp phích."
    )


class CampaignNotOpenYet(AppError):
    status_code = 403
    code = "campaign_not_open"
    message = N_("Đợt khảo sát này chưa bắt đầu. Ông/bà vui lòng quay lại từ {opens}.")


class CampaignClosed(AppError):
    status_code = 410
    code = "campaign_closed"
    message = N_("Đợt khảo sát này đã kết thúc ngày {closes}. Cảm ơn ông/bà đã quan tâm.")


class TokenRequired(AppError):
    status_code = 403
    code = "token_required"
    message = N_(
        "Đợt khảo sát này dùng mã riêng in trên phiếu phát cho từng phụ huynh. Ông/bà vui lòng quét mã QR hoặc nhập mã trên phiếu của mình."
    )


class TokenUsed(AppError):
    status_code = 409
    code = "token_used"
    message = N_(
        "Mã trên phiếu này đã được dùng để trả lời. Mỗi phiếu chỉ dùng được một lần; nếu ông/bà chưa trả lời, vui lòng liên hệ nhà trường để nhận phiếu mới."
    )


class TokenRevoked(AppError):
    status_code = 410
    code = "token_revoked"
    message = N_(
        "Mã trên phiếu này đã bị hủy. Ông/bà vui lòng liên hệ nhà trường để nhận phiếu mới."
    )


class SubmissionInvalid(AppError):
    status_code = 422
    code = "invalid_submission"
    message = N_("Phiếu trả lời chưa hợp lệ. Ông/bà vui lòng xem lại các câu được đánh dấu.")


class BodyTooLarge(AppError):
    status_code = 413
    code = "body_too_large"
    message = N_("Nội dung gửi lên quá lớn. Ông/bà vui lòng rút ngắn phần ý kiến rồi gửi lại.")


class MalformedBody(AppError):
    status_code = 400
    code = "malformed_body"
    message = N_("Không đọc được dữ liệu gửi lên. Ông/bà vui lòng tải lại trang và gửi lại.")


class SubmissionIdTaken(AppError):
    status_code = 409
    code = "submission_id_taken"
    message = N_(
        "Mã gửi phiếu này đã được dùng cho một phiếu khác nên câu trả lời chưa được lưu. Ông/bà "
        "vui lòng tải lại trang rồi gửi lại."
    )


class InternalError(AppError):
    status_code = 500
    code = "internal_error"
    message = N_(
        "Hệ thống gặp lỗi nên chưa thực hiện được yêu cầu. Vui lòng thử lại sau ít phút; nếu "
        "vẫn lỗi, hãy báo cho quản trị viên."
    )


class ServiceUnavailable(AppError):
    status_code = 503
    code = "unavailable"
    message = N_(
        "Hệ thống đang bận hoặc đang bảo trì. Câu trả lời chưa được lưu; ông/bà vui lòng gửi lại sau ít phút."
    )


FIELD_MESSAGES: dict[str, str] = {
    "required": N_("Câu này cần được trả lời."),
    "empty": N_("Ông/bà chưa trả lời câu nào. Hãy trả lời ít nhất một câu rồi gửi."),
    "unknown_question": N_("Câu hỏi này không có trong bảng hỏi."),
    "hidden": N_("Câu này không áp dụng với các câu trả lời trước đó nên không cần trả lời."),
    "expected_scale": N_("Hãy chọn một mức từ 1 đến {n}."),
    "expected_scale_or_na": N_('Hãy chọn một mức từ 1 đến {n} hoặc "{na}".'),
    "expected_option": N_("Hãy chọn một trong các phương án đã cho."),
    "given_by_link": N_(
        "Trường này chỉ có một cấp học nên câu này được ghi theo trường; "
        "hãy bỏ trống hoặc chọn đúng cấp học của trường."
    ),
    "expected_options": N_("Hãy chọn trong các phương án đã cho (mỗi phương án một lần)."),
    "expected_text": N_("Câu trả lời phải là văn bản."),
    "text_too_long": N_("Ý kiến dài quá {max} ký tự (hiện có {length}); vui lòng rút gọn."),
    "bad_text": N_("Văn bản chứa ký tự không hợp lệ."),
    "expected_number": N_("Hãy nhập một số."),
    "number_too_small": N_("Số phải lớn hơn hoặc bằng {min}."),
    "number_too_large": N_("Số phải nhỏ hơn hoặc bằng {max}."),
    "expected_yes_no": N_("Hãy chọn Có hoặc Không."),
    "missing_field": N_("Thiếu thông tin bắt buộc '{name}'."),
    "bad_value": N_("Giá trị của '{name}' không hợp lệ."),
    "unknown_field": N_("Trường '{name}' không được hỗ trợ."),
    "bad_submission_id": N_("Mã lượt gửi (submission_id) phải là một UUID."),
}


def field_error_text(error: FieldError, lang: str) -> str:
    return gettext(FIELD_MESSAGES[error.code], lang, **error.params)


def error_body(error: AppError, lang: str) -> dict[str, Any]:
    """The JSON body of an error: a message and the list of field errors (the API contract, /schema)."""
    return {
        "code": error.code,
        "message": error.text(lang),
        "errors": [
            {"field": item.field, "code": item.code, "message": field_error_text(item, lang)}
            for item in error.errors
        ],
    }
