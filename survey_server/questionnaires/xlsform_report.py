"""What an XLSForm import reports: the listed rows (``Skipped``) with their Vietnamese messages,
and the result (``XlsImport``). Messages are marked for translation here and translated when
shown, like the loader's ``MESSAGES``, whose codes a listed item may also carry (a problem of
the questionnaire made from the form, pointed at the row it came from)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from survey_server.i18n import N_, gettext
from survey_server.questionnaires import loader
from survey_server.questionnaires.schema import Questionnaire

MESSAGES: dict[str, str] = {
    # the file as a whole
    "size": N_("tệp lớn hơn 10 MB; một biểu mẫu XLSForm thường chỉ vài trăm dòng"),
    "xls": N_("tệp Excel 97–2003 (.xls) chưa được hỗ trợ; hãy mở bằng Excel và lưu thành .xlsx"),
    "xlsx": N_("tệp bị hỏng hoặc không phải tệp Excel .xlsx"),
    "unpacked": N_("tệp Excel giải nén ra quá lớn (tối đa 20 MB)"),
    "rows": N_("trang tính có quá nhiều dòng (tối đa 20.000 dòng có nội dung)"),
    "columns": N_("trang tính '{sheet}' có quá nhiều cột có nội dung (tối đa 500)"),
    "cell": N_("tệp có ô quá dài (tối đa 10.000 ký tự một ô)"),
    "tcvn3": N_("văn bản được gõ bằng bảng mã cũ TCVN3 (ABC); hãy chuyển sang Unicode rồi lưu lại"),
    "vni": N_("văn bản được gõ bằng bảng mã cũ VNI; hãy chuyển sang Unicode rồi lưu lại"),
    "time": N_("đọc tệp mất quá nhiều thời gian nên đã dừng"),
    "memory": N_("đọc tệp cần quá nhiều bộ nhớ nên đã dừng"),
    "no_survey": N_("không có trang tính 'survey': đây không phải một biểu mẫu XLSForm"),
    "no_type_column": N_("trang 'survey' thiếu cột 'type'"),
    "no_vietnamese": N_(
        "biểu mẫu không có văn bản tiếng Việt (nhãn câu hỏi chỉ có: {languages}); hãy dịch sang "
        "tiếng Việt rồi đổi tên cột '{column}' thành 'label::Tiếng Việt (vi)' (hoặc thêm một cột "
        "'label::Tiếng Việt (vi)' bên cạnh)"
    ),
    "no_vietnamese_plain": N_(
        "biểu mẫu không có văn bản tiếng Việt (nhãn câu hỏi chỉ có: {languages}): cột 'label' được "
        "đọc là '{default}' theo default_language; nếu cột đó là tiếng Việt, hãy ghi "
        "default_language là vi, nếu không hãy dịch rồi thêm cột 'label::Tiếng Việt (vi)'"
    ),
    "no_vietnamese_no_label": N_(
        "biểu mẫu không có văn bản tiếng Việt: trang 'survey' không có cột nhãn câu hỏi (label); "
        "hãy thêm cột 'label::Tiếng Việt (vi)'"
    ),
    "too_many_languages": N_(
        "biểu mẫu có {count} ngôn ngữ; một bảng hỏi có tối đa {limit} ngôn ngữ"
    ),
    "no_questions": N_("không có câu hỏi nào chuyển được sang bảng hỏi"),
    "bad_kind": N_(
        "loại bảng hỏi '{kind}' không hợp lệ; chọn satisfaction, consultation hoặc feedback"
    ),
    # notes on the whole form, listed first
    "plain_label_vi": N_(
        "cột '{column}' (không ghi ngôn ngữ) được đọc là tiếng Việt; nếu không phải, hãy ghi "
        "default_language trong trang settings hoặc đổi tên cột thành 'label::Tiếng Việt (vi)'"
    ),
    "plain_label_not_vi": N_(
        "cột '{column}' (không ghi ngôn ngữ) được đọc là tiếng Việt, nhưng nhãn có vẻ không phải "
        "tiếng Việt ({share}% nhãn không có chữ nào mang dấu tiếng Việt); hãy ghi "
        "default_language đúng ngôn ngữ của cột trong trang settings, hoặc dịch sang tiếng Việt "
        "và đổi tên cột thành 'label::Tiếng Việt (vi)'"
    ),
    "indonesian_ind": N_(
        "tiếng Indonesia được ghi với mã 'ind' vì 'id' là khóa mã lựa chọn trong bảng hỏi"
    ),
    # a row or a column, listed
    "metadata": N_(
        "không thu thập '{type}': sản phẩm không bao giờ ghi thông tin thiết bị hay danh tính"
    ),
    "personal_data": N_(
        "không hỏi '{type}': sản phẩm không thu thập thông tin định danh người trả lời"
    ),
    "unsupported_type": N_("loại câu hỏi '{type}' không có trong bảng hỏi; dòng bị bỏ qua"),
    "unknown_type": N_("không hiểu loại '{type}'; dòng bị bỏ qua"),
    "no_type": N_("dòng có nội dung nhưng không có loại (cột type); dòng bị bỏ qua"),
    "repeat": N_("nhóm lặp (repeat) chưa được hỗ trợ; nhóm và mọi dòng trong đó bị bỏ qua"),
    "in_repeat": N_("dòng nằm trong nhóm lặp (repeat) nên bị bỏ qua"),
    "unbalanced": N_("'{type}' không khớp với nhóm nào đang mở; dòng bị bỏ qua"),
    "not_closed": N_("nhóm '{name}' không có dòng kết thúc; coi như kết thúc ở cuối trang"),
    "nested_group": N_("nhóm lồng trong nhóm '{parent}' được tách thành một phần riêng"),
    "group_no_label": N_("nhóm không có nhãn tiếng Việt; dùng tên '{name}' làm tiêu đề phần"),
    "empty_group": N_("nhóm '{name}' không còn câu hỏi nào nên không thành một phần"),
    "group_condition": N_(
        "điều kiện hiển thị của nhóm không chuyển được ({relevant}); các câu hỏi trong nhóm "
        "luôn hiển thị và không bắt buộc"
    ),
    "no_name": N_("câu hỏi không có tên (cột name); dòng bị bỏ qua"),
    "no_label": N_("câu hỏi không có nội dung tiếng Việt (cột label); dòng bị bỏ qua"),
    "renamed": N_("tên '{name}' không dùng được làm mã; đổi thành '{id}'"),
    "name_repeated": N_("tên '{name}' đã dùng ở dòng {first}; đổi thành '{id}'"),
    "condition_dropped": N_(
        "điều kiện hiển thị '{relevant}' không chuyển được; câu hỏi luôn hiển thị"
    ),
    "condition_dropped_required": N_(
        "điều kiện hiển thị '{relevant}' không chuyển được; câu hỏi luôn hiển thị và không còn "
        "bắt buộc"
    ),
    "too_many_conditions": N_(
        "câu hỏi có quá nhiều điều kiện của các nhóm lồng nhau (tối đa 20); câu hỏi luôn hiển "
        "thị và không bắt buộc"
    ),
    "required_expression": N_(
        "'required' là biểu thức '{value}'; câu hỏi được coi là không bắt buộc"
    ),
    "constraint_ignored": N_("ràng buộc '{constraint}' không chuyển được; bị bỏ qua"),
    "note_to_help": N_("ghi chú được đưa vào phần hướng dẫn của câu hỏi ngay sau nó"),
    "note_dropped": N_("ghi chú không đứng trước câu hỏi nào trong phần; bị bỏ qua"),
    "help_no_vi": N_("hướng dẫn (hint) không có tiếng Việt nên không được dùng"),
    "empty_note": N_("ghi chú không có nội dung tiếng Việt; bị bỏ qua"),
    "note_condition": N_("ghi chú luôn hiển thị: điều kiện '{relevant}' không áp dụng cho ghi chú"),
    "piping": N_("nội dung chứa '${…}' (chèn câu trả lời khác) sẽ hiển thị nguyên văn"),
    "unknown_list": N_("không có danh sách lựa chọn '{list}' trong trang choices; dòng bị bỏ qua"),
    "empty_list": N_("danh sách lựa chọn '{list}' không có lựa chọn nào; dòng bị bỏ qua"),
    "column_ignored": N_("cột '{column}' không có trong bảng hỏi nên không được dùng"),
    "unknown_language": N_(
        "không nhận ra ngôn ngữ của cột '{column}'; hãy ghi dạng 'label::English (en)'"
    ),
    "duplicate_column": N_("cột '{column}' bị lặp lại; chỉ dùng cột đầu tiên"),
    "sheet_ignored": N_("trang tính '{sheet}' không được dùng"),
    "choice_incomplete": N_("lựa chọn thiếu list_name hoặc name; dòng bị bỏ qua"),
    "duplicate_choice": N_("lựa chọn '{name}' bị lặp trong danh sách '{list}'; dòng bị bỏ qua"),
    "choice_renamed": N_("tên lựa chọn '{name}' không dùng được làm mã; đổi thành '{id}'"),
    "choice_no_label": N_("lựa chọn không có nhãn tiếng Việt; dùng tên '{name}' làm nhãn"),
    "version_not_number": N_("phiên bản '{value}' không phải số nguyên; dùng phiên bản 1"),
    "satisfied_out_of_range": N_(
        "'satisfied_from' = {value} nằm ngoài thang '{scale}' (1..{n}); bị bỏ qua"
    ),
    "no_satisfied_from": N_("thang '{scale}' chưa có mức được tính là hài lòng (satisfied_from)"),
    "unknown_scale": N_("không có thang đo '{scale}' trong biểu mẫu"),
    "scale_reversed": N_(
        "thang đo '{scale}' được viết từ mức tốt nhất đến kém nhất nên được đảo thứ tự: "
        "1 = '{first}' … {n} = '{last}'; satisfied_from (kể cả --satisfied-from {scale}=N) "
        "tính theo thứ tự mới này"
    ),
    "scale_names_lost": N_(
        "thang đo '{scale}': tên các lựa chọn ({names}) không được giữ; câu trả lời được ghi "
        "bằng số thứ tự 1..{n} của thang ({first} = 1)"
    ),
    # a questionnaire problem whose pydantic text is not shown
    "bad_value": N_("giá trị '{value}' không hợp lệ ở '{field}'"),
    "value_too_long": N_("'{value}' dài quá {limit} ký tự ở '{field}'"),
}

#: The notes on the whole form, listed before everything else.
FIRST = frozenset({"indonesian_ind", "plain_label_vi", "plain_label_not_vi"})


@dataclass(frozen=True)
class Skipped:
    """A row, column or sheet of the form that was not carried as it is, and why."""

    sheet: str
    row: int  # as Excel numbers it; 0 for the file as a whole
    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def message(self, lang: str = "vi") -> str:
        template = MESSAGES.get(self.code) or loader.MESSAGES[self.code]
        params = {  # a cell's text on one line: a relevant or label may hold line breaks
            key: " ".join(value.split()) if isinstance(value, str) else value
            for key, value in self.params.items()
        }
        return gettext(template, lang, **params)

    def render(self, filename: str, lang: str = "vi") -> str:
        """``FORM.xlsx:survey!12: message`` (or ``FORM.xlsx: message`` for the whole file)."""
        where = f"{filename}:{self.sheet}!{self.row}" if self.row else filename
        return f"{where}: {self.message(lang)}"


@dataclass(frozen=True)
class XlsImport:
    """What an import made: the questionnaire (None when the form cannot be carried at all),
    every row listed on the way, and the reasons the questionnaire could not be made."""

    questionnaire: Questionnaire | None
    skipped: list[Skipped]
    errors: list[Skipped]
