"""What the kinds of unit and the school levels are called on pages and in messages."""

from survey_server.i18n import N_

KIND_LABELS = {
    "department": N_("Sở Giáo dục và Đào tạo"),
    "district_office": N_("Phòng Giáo dục và Đào tạo"),
    "commune": N_("Xã, phường, đặc khu"),
    "school": N_("Trường học"),
    "class": N_("Lớp"),
}
LEVEL_LABELS = {
    "mam_non": N_("Mầm non"),
    "tieu_hoc": N_("Tiểu học"),
    "thcs": N_("Trung học cơ sở"),
    "thpt": N_("Trung học phổ thông"),
    "lien_cap": N_("Liên cấp"),
    "gdtx": N_("Giáo dục thường xuyên"),
}
