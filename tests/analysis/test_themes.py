"""Comment themes: realistic parent comments, tricky words, office files, quotes, speed."""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from analysis.themes import (
    Classified,
    Taxonomy,
    classify,
    load_taxonomy,
    normalise,
    quote_candidates,
    theme_counts,
)

# (comment, themes it mentions, tone): typed as parents type them, with and without
# diacritics, in capitals, with teen-code; names already scrubbed to "[tên]".
CORPUS: list[tuple[str, set[str], int]] = [
    ("Cảm ơn các thầy cô đã tận tình dạy dỗ các cháu.", {"giao_vien", "khen_ngoi"}, 1),
    ("Đề nghị nhà trường công khai các khoản thu đầu năm học.", {"hoc_phi"}, -1),
    ("Học phí và tiền quỹ lớp năm nay thu nhiều quá, ph rất bức xúc", {"hoc_phi"}, -1),
    (
        "Nhà vệ sinh của học sinh bẩn và hôi, mong nhà trường sửa chữa sớm.",
        {"co_so_vat_chat"},
        -1,
    ),
    ("phong hoc nong qua, quat tran thi hong, cac con hoc rat met", {"co_so_vat_chat"}, -1),
    (
        "Cô giáo chủ nhiệm rất nhiệt tình, chu đáo, con tôi tiến bộ nhiều.",
        {"giao_vien", "khen_ngoi"},
        1,
    ),
    ("Thầy dạy toán hay quát mắng học sinh, con sợ không dám đi học.", {"giao_vien"}, -1),
    (
        "Con tôi bị các bạn cùng lớp bắt nạt nhiều lần, báo cô nhưng chưa được giải quyết.",
        {"an_toan"},
        -1,
    ),
    (
        "Đề nghị có camera ở hành lang và nhà vệ sinh để tránh bạo lực học đường",
        {"an_toan", "co_so_vat_chat"},
        -1,
    ),
    ("Bữa ăn bán trú còn ít thịt, các con ăn không đủ no.", {"ban_tru"}, -1),
    (
        "Thực đơn bán trú đa dạng, các con ăn ngon miệng, cảm ơn các cô nuôi.",
        {"ban_tru", "khen_ngoi"},
        1,
    ),
    (
        "Giáo viên ép học sinh đi học thêm ở nhà cô, không đi thì bị trù dập",
        {"giao_vien", "day_them"},
        -1,
    ),
    (
        "Phản ánh tình trạng dạy thêm tràn lan, thu tiền học thêm 200 k một buổi",
        {"day_them", "hoc_phi"},
        -1,
    ),
    (
        "Chương trình học lớp 1 quá nặng, sách giáo khoa nhiều bài khó với các con",
        {"chuong_trinh"},
        -1,
    ),
    ("sgk nam nao cung doi, ph phai mua sach moi rat ton kem", {"chuong_trinh", "hoc_phi"}, -1),
    ("Thủ tục chuyển trường cho con rất rườm rà, phải đi lại nhiều lần", {"tuyen_sinh"}, -1),
    ("Tuyển sinh lớp 6 trái tuyến khó quá, đề nghị công bố kết quả sớm", {"tuyen_sinh"}, -1),
    (
        "Giờ tan học ùn tắc trước cổng trường, phụ huynh đỗ xe tràn ra lòng đường rất nguy hiểm",
        {"giao_thong", "an_toan"},
        -1,
    ),
    ("Đề nghị bố trí người điều tiết giao thông giờ đón con", {"giao_thong"}, -1),
    (
        "Sổ liên lạc điện tử hay bị lỗi, tin nhắn về muộn, nên dùng nhóm zalo cho tiện",
        {"chuyen_doi_so"},
        -1,
    ),
    (
        "Thanh toán học phí qua chuyển khoản rất tiện, cảm ơn nhà trường",
        {"hoc_phi", "chuyen_doi_so", "khen_ngoi"},
        1,
    ),
    ("KHÔNG CÓ Ý KIẾN", set(), 0),
    ("ko co y kien gi", set(), 0),
    ("Tốt", {"khen_ngoi"}, 1),
    ("ok", {"khen_ngoi"}, 1),
    ("Bình thường", set(), 0),
    (
        "Nhà trường nên tổ chức thêm hoạt động ngoại khóa, trải nghiệm cho các con",
        {"chuong_trinh"},
        -1,
    ),
    (
        "Con rất thích đi học, về nhà kể chuyện cô giáo suốt. Cảm ơn cô!",
        {"giao_vien", "khen_ngoi"},
        1,
    ),
    (
        "cô giáo lớp 2A dạy dễ hiểu, nhẹ nhàng với các bé, tks cô nhiều",
        {"giao_vien", "khen_ngoi"},
        1,
    ),
    ("CO SO VAT CHAT XUONG CAP, BAN GHE CU NAT, DE NGHI NANG CAP", {"co_so_vat_chat"}, -1),
    ("Sân trường ít cây xanh, mùa hè rất nóng, các con không có chỗ chơi", {"co_so_vat_chat"}, -1),
    (
        "Trường sạch đẹp, khang trang, thầy cô thân thiện",
        {"co_so_vat_chat", "giao_vien", "khen_ngoi"},
        1,
    ),
    ("Bảo vệ trường thái độ không tốt với phụ huynh, hay quát tháo", {"giao_vien"}, -1),
    ("Ban giám hiệu cần lắng nghe ý kiến phụ huynh nhiều hơn", {"giao_vien"}, -1),
    (
        "Mong nhà trường tiếp tục phát huy, chúc các thầy cô sức khỏe",
        {"giao_vien", "khen_ngoi"},
        1,
    ),
    ("Chúc nhà trường ngày càng phát triển", {"khen_ngoi"}, 1),
    (
        "Con em bị ngã cầu thang gãy tay mà cô không báo cho gia đình",
        {"an_toan", "co_so_vat_chat"},
        -1,
    ),
    ("Thầy cô chưa thật sự quan tâm đến học sinh yếu", {"giao_vien"}, -1),
    ("giao vien k nhiet tinh, hay cau gat voi tre", {"giao_vien"}, -1),
    ("Cô giáo không tốt như mọi người nói", {"giao_vien"}, -1),
    ("Không hài lòng về cách thu tiền bảo hiểm y tế bắt buộc", {"hoc_phi"}, -1),
    ("bhyt bắt buộc mua qua trường, đắt hơn bên ngoài", {"hoc_phi"}, -1),
    ("Không có bạo lực, con đi học rất vui, rất yên tâm", {"an_toan", "khen_ngoi"}, 1),
    (
        "Con không bị bắt nạt, các bạn hòa đồng, cô giáo rất tốt",
        {"an_toan", "giao_vien", "khen_ngoi"},
        1,
    ),
    (
        "Tiết tăng cường buổi chiều thu tiền mà học không hiệu quả",
        {"day_them", "hoc_phi"},
        -1,
    ),
    (
        "Các môn liên kết như kỹ năng sống, tiếng Anh bản ngữ nên để phụ huynh tự nguyện",
        {"day_them", "chuong_trinh"},
        -1,
    ),
    (
        "Con được ăn trưa và ngủ trưa tại trường, rất tiện cho bố mẹ đi làm",
        {"ban_tru", "khen_ngoi"},
        1,
    ),
    (
        "Ngộ độc thực phẩm ở bếp ăn bán trú tháng trước làm phụ huynh rất lo lắng",
        {"ban_tru"},
        -1,
    ),
    ("Đề nghị kiểm tra vệ sinh an toàn thực phẩm của căng tin", {"ban_tru"}, -1),
    (
        "Cổng trường không có vạch kẻ đường, xe máy phóng nhanh, các cháu qua đường rất nguy hiểm",
        {"giao_thong", "an_toan"},
        -1,
    ),
    ("Trường THCS An Toàn dạy tốt, con tôi học ở đây 3 năm", {"khen_ngoi"}, 1),
    ("Phụ huynh mong muốn nhà trường giảm bớt bài tập về nhà cho các con", {"chuong_trinh"}, -1),
    ("Học online mạng yếu, con không theo kịp bài", {"chuyen_doi_so"}, -1),
    (
        "Nhờ phần mềm vnEdu mà phụ huynh theo dõi con dễ dàng, rất hài lòng",
        {"chuyen_doi_so", "khen_ngoi"},
        1,
    ),
    ("Lớp đông quá, 50 hs một lớp, cô không bao quát hết được", {"co_so_vat_chat"}, -1),
    (
        "Xin cảm ơn Ban giám hiệu và các thầy cô giáo đã luôn quan tâm, chăm sóc các con",
        {"giao_vien", "khen_ngoi"},
        1,
    ),
    ("Tks cô gvcn nhiều ạ, con đc cô kèm cặp nên tiến bộ rõ", {"giao_vien", "khen_ngoi"}, 1),
    (
        "Trường thu quá nhiều khoản ngoài quy định: tiền điều hòa, tiền photo, tiền nước uống",
        {"hoc_phi"},
        -1,
    ),
    (
        "Đề nghị cho học sinh ra về đúng giờ, tan muộn phụ huynh phải chờ lâu ngoài cổng",
        {"giao_thong"},
        -1,
    ),
    (
        "Trường có sân chơi rộng rãi, thư viện đẹp, con rất thích",
        {"co_so_vat_chat", "khen_ngoi"},
        1,
    ),
    (
        "Thầy cô ở trường rất có trách nhiệm, con đi học về đều vui vẻ",
        {"giao_vien", "khen_ngoi"},
        1,
    ),
    ("Tôi thấy có nhiều phụ huynh phàn nàn về các khoản thu", {"hoc_phi"}, -1),
    ("Con bị cô giáo phân biệt đối xử vì không đi học thêm", {"giao_vien", "day_them"}, -1),
    ("Mình thấy cô dạy rất hay, con hiểu bài", {"giao_vien", "khen_ngoi"}, 1),
    (
        "Học sinh hút thuốc lá điện tử trong nhà vệ sinh, nhà trường cần quản lý chặt",
        {"an_toan", "co_so_vat_chat"},
        -1,
    ),
    (
        "Thời khóa biểu thay đổi liên tục, ph khó sắp xếp đưa đón",
        {"chuong_trinh", "giao_thong"},
        -1,
    ),
    (
        "Đón con muộn 5 phút là bị bảo vệ nhắc nhở, thái độ rất khó chịu",
        {"giao_thong", "giao_vien"},
        -1,
    ),
    ("Em cảm ơn cô [tên] nhiều lắm", {"giao_vien", "khen_ngoi"}, 1),
    (
        "Phòng học chưa có máy chiếu, tivi, giáo viên phải tự mua",
        {"co_so_vat_chat", "giao_vien"},
        -1,
    ),
    ("Thu tiền quỹ hội phụ huynh không minh bạch, không có hóa đơn", {"hoc_phi"}, -1),
    (
        "THẦY CÔ TẬN TÂM, NHÀ TRƯỜNG AN TOÀN, CON RẤT VUI",
        {"giao_vien", "an_toan", "khen_ngoi"},
        1,
    ),
    ("Cần xây thêm phòng học, lớp quá đông, 45 cháu một lớp", {"co_so_vat_chat"}, -1),
    (
        "Con được học tiếng Anh với giáo viên nước ngoài, rất bổ ích",
        {"chuong_trinh", "giao_vien", "khen_ngoi"},
        1,
    ),
    ("hok có j để góp ý, cảm ơn ntr", {"khen_ngoi"}, 1),
    ("Hông có gì phàn nàn, trường tốt lắm", {"khen_ngoi"}, 1),
    ("con bi ban danh o lop ma co khong biet", {"an_toan"}, -1),
    (
        "Trường chuyển đổi số tốt, nộp tiền không dùng tiền mặt, xem điểm qua app",
        {"chuyen_doi_so", "hoc_phi", "khen_ngoi"},
        1,
    ),
    ("Đề nghị giảm sĩ số học sinh mỗi lớp", {"co_so_vat_chat"}, -1),
    ("trường dạy tốt, nhưng học phí hơi cao so với thu nhập", {"hoc_phi"}, -1),
    ("Giáo viên tốt nhưng học phí quá cao", {"giao_vien", "hoc_phi"}, -1),
    ("Con tôi vừa tốt nghiệp tiểu học", set(), 0),
    ("Bữa phụ có sữa chua, canh chua, con rất thích", {"ban_tru", "khen_ngoi"}, 1),
    ("Liên hệ [email] để được hỗ trợ", set(), 0),
    ("Phụ huynh chở con nhớ đội mũ bảo hiểm", {"giao_thong"}, 0),
    ("Năm học này con chuyển lên lớp 3", set(), 0),
    ("Ý kiến của tôi: nhà trường nên có thêm sân chơi", {"co_so_vat_chat"}, -1),
    (
        "Cô chủ nhiệm hay nhắn tin zalo lúc tối muộn, phụ huynh thấy phiền",
        {"chuyen_doi_so", "giao_vien"},
        -1,
    ),
    ("Tiền ăn bán trú 35k/ngày mà bữa ăn sơ sài quá", {"ban_tru", "hoc_phi"}, -1),
    (
        "Thủ tục nhập học online nhanh gọn, không phải xếp hàng",
        {"chuyen_doi_so", "tuyen_sinh", "khen_ngoi"},
        1,
    ),
    (
        "Cho con chuyển từ trường khác về, được nhà trường hỗ trợ nhiệt tình",
        {"tuyen_sinh", "khen_ngoi"},
        1,
    ),
    ("Bảo vệ trường rất có trách nhiệm, đón các cháu cẩn thận", {"giao_vien", "khen_ngoi"}, 1),
    ("Con bị ngộ độc sau bữa ăn trưa ở trường", {"ban_tru"}, -1),
    ("cô giáo dạy giỏi nhưng hơi nghiêm khắc", {"giao_vien"}, -1),
    ("Không có gì phải góp ý", set(), 0),
    ("Thu tiền học thêm trong trường là sai quy định", {"day_them", "hoc_phi"}, -1),
    ("Trường xa nhà, phải đi qua quốc lộ rất nguy hiểm", {"an_toan", "giao_thong"}, -1),
    ("Năm nay trường được sơn sửa lại, đẹp hơn nhiều", {"co_so_vat_chat", "khen_ngoi"}, 1),
    ("Hệ thống camera ở trường hiện đại, phụ huynh yên tâm", {"an_toan", "khen_ngoi"}, 1),
    ("Con tôi bị bắt nạt trên mạng xã hội bởi bạn cùng lớp", {"an_toan"}, -1),
]

# What a reader sees but the rules do not: kept as strict xfails so that a fix is noticed.
KNOWN_MISSES: list[tuple[str, set[str], int]] = [
    # a lone "cô" is also "có" once diacritics are gone, so it is no keyword
    ("Cô ko đc nhiệt tình lắm, hay đi muộn", {"giao_vien"}, -1),
    # "bị bạn ... đánh": the words of a keyword must be adjacent
    ("Con về kể bị bạn trong lớp đánh, mong cô giáo để ý hơn", {"an_toan", "giao_vien"}, -1),
    # a complaint without a complaint word ("tắc" alone is also "tác")
    ("Sáng nào cổng trường cũng tắc, xe ô tô đỗ chắn cả lối vào", {"giao_thong"}, -1),
    ("Nhà vệ sinh không có giấy, không có xà phòng", {"co_so_vat_chat"}, -1),
]


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    """The bundled taxonomy."""
    return load_taxonomy()


def _found(result: Classified, row: int) -> set[str]:
    return {result.theme_ids[j] for j in np.flatnonzero(result.themes[row])}


@pytest.mark.parametrize(("text", "themes", "tone"), CORPUS, ids=[c[0][:40] for c in CORPUS])
def test_realistic_comments(taxonomy: Taxonomy, text: str, themes: set[str], tone: int) -> None:
    """Each comment gets the themes and tone a reader would give it."""
    result = classify([text], taxonomy)
    assert (_found(result, 0), int(result.tone[0])) == (themes, tone)
    assert result.commented[0]


@pytest.mark.xfail(reason="known limits of keyword rules", strict=True)
@pytest.mark.parametrize(
    ("text", "themes", "tone"), KNOWN_MISSES, ids=[c[0][:40] for c in KNOWN_MISSES]
)
def test_known_misses(taxonomy: Taxonomy, text: str, themes: set[str], tone: int) -> None:
    """Documented misses: if one starts passing, move it to CORPUS."""
    result = classify([text], taxonomy)
    assert (_found(result, 0), int(result.tone[0])) == (themes, tone)


def test_corpus_covers_every_theme(taxonomy: Taxonomy) -> None:
    """Every theme is recognised somewhere, with praise and complaint both represented."""
    assert len(CORPUS) >= 60
    assert set().union(*(themes for _, themes, _ in CORPUS)) == set(taxonomy.ids)
    assert {tone for _, _, tone in CORPUS} == {-1, 0, 1}


def test_whole_corpus_at_once_matches_one_by_one(taxonomy: Taxonomy) -> None:
    """Classifying a batch (with its caches) gives the same as one comment at a time."""
    texts = [text for text, _, _ in CORPUS] * 3
    batch = classify(texts, taxonomy)
    for row, text in enumerate(texts):
        alone = classify([text], taxonomy)
        assert (batch.themes[row] == alone.themes[0]).all()
        assert batch.tone[row] == alone.tone[0]


def test_shapes_and_empty_comments(taxonomy: Taxonomy) -> None:
    """None, blank and punctuation-only comments are no comment; the arrays have the API shapes."""
    result = classify([None, "", "   ", "...", "\u200b", "Tốt"], taxonomy)
    assert result.themes.shape == (6, len(taxonomy.themes))
    assert result.themes.dtype == np.bool_ and result.tone.dtype == np.int8
    assert result.commented.tolist() == [False] * 5 + [True]
    assert result.tone.tolist() == [0] * 5 + [1]
    assert not result.themes[:5].any()
    assert result.theme_ids == taxonomy.ids
    empty = classify([], taxonomy)
    assert empty.themes.shape == (0, len(taxonomy.themes)) and empty.tone.shape == (0,)


def test_rejects_non_text(taxonomy: Taxonomy) -> None:
    """A number where a comment should be is a caller's bug, not an empty comment."""
    with pytest.raises(TypeError, match="comment 1 is float"):
        classify(["Tốt", float("nan")], taxonomy)  # type: ignore[list-item]


def test_taxonomy_is_well_formed(taxonomy: Taxonomy) -> None:
    """Ids, labels and the single praise theme are as the engine expects."""
    assert taxonomy.ids == (
        "hoc_phi",
        "co_so_vat_chat",
        "giao_vien",
        "an_toan",
        "ban_tru",
        "day_them",
        "chuong_trinh",
        "tuyen_sinh",
        "giao_thong",
        "chuyen_doi_so",
        "khen_ngoi",
    )
    assert [t.id for t in taxonomy.themes if t.praise] == ["khen_ngoi"]
    for theme in taxonomy.themes:
        assert re.fullmatch(r"[a-z0-9_]+", theme.id)
        assert theme.label == unicodedata.normalize("NFC", theme.label) and theme.label
        assert theme.keywords
    assert taxonomy.themes[0].label == "Học phí và các khoản thu"
    assert load_taxonomy() is taxonomy


# --- normalising ---------------------------------------------------------------------------


def test_normalise_folds_case_diacritics_and_teen_code() -> None:
    """Capitals, diacritics and abbreviations all disappear; punctuation stays as tokens."""
    assert normalise("ĐỀ NGHỊ BGH xem lại") == "de nghi ban giam hieu xem lai"
    assert normalise("ko đc, k dc, hok đk, hông được") == (
        "khong duoc , khong duoc , khong duoc , khong duoc"
    )
    assert normalise("gv gvcn hs ph phhs csvc sgk") == (
        "giao vien giao vien chu nhiem hoc sinh phu huynh phu huynh hoc sinh "
        "co so vat chat sach giao khoa"
    )
    assert normalise("tks cô nhìu, tốttt quáaa") == "cam on co nhieu , tot qua"
    assert normalise("") == "" and normalise(" \t\n ") == ""


def test_abbreviations_need_whole_words() -> None:
    """'ph' and 'k' expand only as words, and 'k' after a number is money."""
    assert normalise("phòng học, phụ huynh, ph") == "phong hoc , phu huynh , phu huynh"
    assert normalise("khoản thu 50 k, k biết") == "khoan thu 50 k , khong biet"
    assert normalise("k12online, lớp 5 k") == "k12online , lop 5 k"
    assert normalise("hỏng") == "hong" and normalise("hông") == "khong"


def test_context_abbreviations() -> None:
    """'vs' is 'với' alone but 'vệ sinh' after nhà/phòng/khu; multi-word keys win."""
    assert normalise("cô vs các con") == "co voi cac con"
    assert normalise("nhà vs bẩn, đi vs") == "nha ve sinh ban , di ve sinh"
    assert normalise("cs vc kém, cs mới") == "co so vat chat kem , co so moi"
    assert normalise("thank you cô") == "cam on co"


@pytest.mark.parametrize("text", [text for text, _, _ in CORPUS[::7]])
def test_nfd_and_capitals_read_like_nfc(taxonomy: Taxonomy, text: str) -> None:
    """NFD input (as some keyboards and Excel send it) and ALL CAPS classify the same."""
    variants = [text, unicodedata.normalize("NFD", text), text.upper(), f"  {text}\t\n"]
    result = classify(variants, taxonomy)
    assert (result.themes == result.themes[0]).all()
    assert (result.tone == result.tone[0]).all()
    assert len({normalise(v) for v in variants}) == 1


def test_without_diacritics_reads_like_with(taxonomy: Taxonomy) -> None:
    """A parent typing without accents gets the same themes and tone."""
    texts = [text for text, _, _ in CORPUS]
    stripped = [
        "".join(c for c in unicodedata.normalize("NFD", t) if not unicodedata.combining(c))
        for t in texts
    ]
    stripped = [t.replace("đ", "d").replace("Đ", "D") for t in stripped]
    with_marks, without = classify(texts, taxonomy), classify(stripped, taxonomy)
    same = (with_marks.themes == without.themes).all(axis=1) & (with_marks.tone == without.tone)
    # "hông" (không) has no plain form that is not also "hỏng": the one expected difference
    assert [texts[i] for i in np.flatnonzero(~same)] == ["Hông có gì phàn nàn, trường tốt lắm"]


# --- no false positives --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "absent"),
    [
        ("Tôi thấy có một số bất cập trong cách tổ chức", "giao_vien"),
        ("Mình thấy có nhiều khoản không cần thiết", "giao_vien"),
        ("Trường THCS An Toàn tổ chức tốt", "an_toan"),
        ("Bàn toán của lớp 5 bị hỏng", "an_toan"),
        ("Ban toàn trường họp phụ huynh", "an_toan"),
        ("Kế hoạch năm học rõ ràng", "khen_ngoi"),
        ("Con vừa tốt nghiệp mầm non", "khen_ngoi"),
        ("Liên hệ [email] hoặc [số điện thoại]", "chuyen_doi_so"),
        ("Phụ huynh đóng góp ý kiến xây dựng trường", "hoc_phi"),
        ("Đội mũ bảo hiểm khi đi xe máy", "hoc_phi"),
        ("Cảm ơn các cô nuôi nấu ăn ngon", "giao_vien"),
        ("Con được ăn canh chua, sữa chua", "co_so_vat_chat"),
        ("Thu tiền điều hòa cao quá", "co_so_vat_chat"),
    ],
)
def test_no_false_positive(taxonomy: Taxonomy, text: str, absent: str) -> None:
    """A look-alike word or phrase does not put a comment in the wrong theme."""
    assert absent not in _found(classify([text], taxonomy), 0)


@pytest.mark.parametrize(
    ("text", "tone"),
    [
        ("Con vừa tốt nghiệp mầm non", 0),
        ("Không có gì phải phàn nàn", 0),
        ("k có j để phàn nàn, rất tốt", 1),
        ("Cô chưa tốt", -1),
        ("Cô không thật sự nhiệt tình", -1),
        ("Cô không nhiệt tình. Tốt", -1),
        ("Không những nhiệt tình mà còn chu đáo", 1),
        ("Con không bị bắt nạt", 0),
        ("Không, con rất vui", 1),
        ("Mong trường ngày càng tốt hơn", 1),
        ("Mong trường sửa lại mái tôn", -1),
        ("Mong. Tiếp tục", -1),
        ("Đánh giá rất cao đội ngũ giáo viên", 1),
        ("Căn tin bán đồ ăn ngon", 1),
        ("Gia đình có điều kiện nên cho con học thêm", 0),
        ("Cảm ơn cô, nhưng mà lớp quá đông", -1),
    ],
)
def test_tone_rules(taxonomy: Taxonomy, text: str, tone: int) -> None:
    """Negation, neutral phrases, wishes and mixed comments follow the documented rules."""
    assert int(classify([text], taxonomy).tone[0]) == tone


def test_praise_theme_only_on_praise(taxonomy: Taxonomy) -> None:
    """khen_ngoi marks comments whose tone is praise, not every comment with a kind word."""
    result = classify(["Cô tốt nhưng đề nghị giảm học phí", "Cô tốt", "Cô không tốt"], taxonomy)
    column = taxonomy.ids.index("khen_ngoi")
    assert result.themes[:, column].tolist() == [False, True, False]
    assert (result.themes[:, column] <= (result.tone == 1)).all()


# --- the matcher against a plain reading of the rules ---------------------------------------


#: normalised keywords per taxonomy; the taxonomy is kept so that its id is not reused
_NORMALISED: dict[int, tuple[Taxonomy, list[tuple[str, list[str], list[str]]]]] = {}


def _reference_themes(taxonomy: Taxonomy, text: str) -> set[str]:
    """Themes by the letter of the rules: each keyword anywhere in the normalised text, as whole
    tokens, unless it lies inside an exclusion of its theme (slow, no trie, no codes)."""
    if id(taxonomy) not in _NORMALISED:
        _NORMALISED[id(taxonomy)] = (
            taxonomy,
            [
                (
                    theme.id,
                    [f" {taxonomy.normalise(p)} " for p in theme.keywords],
                    [f" {taxonomy.normalise(p)} " for p in theme.exclude],
                )
                for theme in taxonomy.themes
                if not theme.praise
            ],
        )
    normalised = f" {taxonomy.normalise(text)} "

    def spans(target: str) -> list[tuple[int, int]]:
        found, start = [], normalised.find(target)
        while start >= 0:
            found.append((start, start + len(target)))
            start = normalised.find(target, start + 1)
        return found

    themes = set()
    for theme_id, keywords, exclude in _NORMALISED[id(taxonomy)][1]:
        excluded = [span for phrase in exclude for span in spans(phrase)]
        for phrase in keywords:
            for start, end in spans(phrase):
                if not any(a <= start and end <= b for a, b in excluded):
                    themes.add(theme_id)
    return themes


def _non_praise(taxonomy: Taxonomy, result: Classified, row: int) -> set[str]:
    praise = {t.id for t in taxonomy.themes if t.praise}
    return _found(result, row) - praise


def test_matcher_agrees_with_reference_on_corpus(taxonomy: Taxonomy) -> None:
    """The trie over token codes finds exactly the keywords a plain search finds."""
    texts = [text for text, _, _ in CORPUS]
    result = classify(texts, taxonomy)
    for row, text in enumerate(texts):
        assert _non_praise(taxonomy, result, row) == _reference_themes(taxonomy, text), text


def test_matcher_agrees_with_reference_on_keyword_soup(taxonomy: Taxonomy) -> None:
    """Random runs of keywords, exclusions and filler overlap in every way; both readings agree."""
    rng = random.Random(20260101)
    pieces = [p for t in taxonomy.themes for p in t.keywords + t.exclude]
    pieces += ["và", "các", "con", "rất", ",", "thấy", "có", "nhà", "tiền", "học"]
    texts = [" ".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) for _ in range(3000)]
    result = classify(texts, taxonomy)
    for row, text in enumerate(texts):
        assert _non_praise(taxonomy, result, row) == _reference_themes(taxonomy, text), text


def test_matcher_agrees_with_reference_on_crafted_overlaps(tmp_path: Path) -> None:
    """Overlaps chained across phrases, with an exclusion reaching past a later keyword."""
    office = load_taxonomy(
        _write(
            tmp_path,
            """
[[theme]]
id = "t1"
label = "T1"
keywords = ["ổi xoài"]
[[theme]]
id = "t2"
label = "T2"
keywords = ["xoài mít chôm"]
[[theme]]
id = "t3"
label = "T3"
keywords = ["chôm", "nhãn"]
exclude = ["chôm nhãn", "vải chôm"]
""",
        ),
    )
    texts = [
        "ổi xoài mít chôm nhãn",  # t3's "chôm" lies in the exclusion "chôm nhãn"
        "ổi xoài mít chôm vải",
        "ổi xoài mít chôm, nhãn",
        "vải chôm nhãn",
        "xoài mít chôm",
        "ổi xoài mít vải chôm nhãn",
    ]
    rng = random.Random(5)
    words = ["ổi", "xoài", "mít", "chôm", "nhãn", "vải", ","]
    texts += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 10))) for _ in range(2000)]
    result = classify(texts, office)
    for row, text in enumerate(texts):
        assert _non_praise(office, result, row) == _reference_themes(office, text), text
    assert _found(result, 0) == {"t1", "t2"}
    assert _found(result, 2) == {"t1", "t2", "t3"}


# --- office files --------------------------------------------------------------------------

OFFICE = """
[[theme]]
id = "hoc_phi"
keywords = ["tiền bảo trì", "quỹ khuyến học"]

[[theme]]
id = "y_te"
label = "Y tế trường học"
keywords = ["phòng y tế", "nhân viên y tế", "sơ cứu", "khám sức khỏe"]
exclude = ["bảo hiểm y tế"]

[tone]
complaint = ["chưa ổn"]

[abbreviations]
"pyt" = "phòng y tế"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "office.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_office_file_extends_and_adds(tmp_path: Path) -> None:
    """An office adds keywords to a theme, a theme of its own, a cue and an abbreviation."""
    office = load_taxonomy(_write(tmp_path, OFFICE))
    bundled = load_taxonomy()
    assert office.ids == (*bundled.ids, "y_te")
    assert office.themes[-1].label == "Y tế trường học" and not office.themes[-1].praise
    assert "tiền bảo trì" in office.themes[0].keywords
    assert (
        office.themes[0].keywords[: len(bundled.themes[0].keywords)] == bundled.themes[0].keywords
    )
    texts = [
        "Tiền bảo trì mỗi năm là vô lý",
        "pyt không có thuốc sơ cứu, chưa ổn",
        "Thu bảo hiểm y tế đúng hạn",
    ]
    result = classify(texts, office)
    assert _found(result, 0) == {"hoc_phi"}
    assert _found(result, 1) == {"y_te"} and result.tone[1] == -1
    assert _found(result, 2) == {"hoc_phi"}
    assert office.normalise("pyt") == "phong y te" and normalise("pyt") == "pyt"
    # the bundled taxonomy is untouched
    assert _found(classify(texts[:1], bundled), 0) == set()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[theme]\nid = 1", "not valid TOML"),
        ('[[theme]]\nid = "Học phí"\nlabel = "x"\nkeywords = ["a"]', "must be a string of"),
        ('[[theme]]\nid = "moi"\nkeywords = ["a"]', "'label' must be"),
        ('[[theme]]\nid = "moi"\nlabel = "Mới"', "'keywords' must be a non-empty list"),
        ('[[theme]]\nid = "moi"\nlabel = "Mới"\nkeywords = "a"', "'keywords' must be"),
        ('[[theme]]\nid = "moi"\nlabel = "Mới"\nkeywords = ["a", 3]', "is not a phrase"),
        ('[[theme]]\nid = "moi"\nlabel = "Mới"\nkeywords = ["!!"]', "is not a phrase"),
        ('[[theme]]\nid = "moi"\nlabel = "M"\nkeywords = ["a"]\npraise = "yes"', "'praise'"),
        ('[[theme]]\nid = "moi"\nlabel = "M"\nkeywords = ["a"]\ncolour = 1', "unknown key"),
        ('[[theme]]\nid = "hoc_phi"\nlabel = "Tiền"\nkeywords = ["a"]', "already defined"),
        ('[[theme]]\nid = "a"\nlabel = "A"\nkeywords = ["a"]\n' * 2, "defined twice"),
        ('theme = "hoc_phi"', "array of tables"),
        ("[themes]\nx = 1", "unknown key"),
        ("[tone]\npraise = ['tốt']", "unknown key"),
        ("[tone]\ncomplaint = ['tốt']", "both praise and complaint"),
        ("[abbreviations]\nko = 1", "non-empty string"),
        ('[abbreviations]\n"k!" = "không"', "must be words"),
    ],
)
def test_malformed_office_file(tmp_path: Path, text: str, message: str) -> None:
    """A malformed file is refused with a message naming the file and the problem."""
    path = _write(tmp_path, text)
    with pytest.raises(ValueError, match=message) as caught:
        load_taxonomy(path)
    assert str(path) in str(caught.value)


def test_missing_office_file(tmp_path: Path) -> None:
    """A path that does not exist is an OSError, not a silently bundled taxonomy."""
    with pytest.raises(FileNotFoundError):
        load_taxonomy(tmp_path / "none.toml")


# --- counts and quotes ---------------------------------------------------------------------


def test_theme_counts(taxonomy: Taxonomy) -> None:
    """Per theme: mentions split into praise, complaint and neutral."""
    result = classify(["Học phí cao quá", "Học phí hợp lý, cảm ơn", "Học phí", None], taxonomy)
    counts = theme_counts(result)
    assert counts["hoc_phi"] == {"mentions": 3, "praise": 1, "complaint": 1, "neutral": 1}
    assert counts["khen_ngoi"]["mentions"] == 1 and set(counts) == set(taxonomy.ids)


def test_quote_candidates_prefer_typical_lengths(taxonomy: Taxonomy) -> None:
    """Quotes are the comments nearest the theme's median length, ties by index, deduplicated."""
    texts: list[str | None] = [
        "Học phí cao",  # too short to quote
        "Học phí năm nay tăng nhiều so với năm ngoái",
        "HỌC PHÍ NĂM NAY TĂNG NHIỀU SO VỚI NĂM NGOÁI",  # the same text again
        "Học phí năm nay tăng nhiều so với năm trước",
        "Đề nghị giảm học phí cho các gia đình khó khăn trong xã, nhất là hộ nghèo và cận nghèo",
        None,
        "Học phí " + "rất " * 60 + "cao",  # too long
    ]
    result = classify(texts, taxonomy)
    quotes = quote_candidates(texts, result, per_theme=2)
    assert quotes["hoc_phi"] == [1, 3]
    assert set(quotes) == set(taxonomy.ids)
    assert quotes["tuyen_sinh"] == []
    assert quote_candidates(texts, result, per_theme=5)["hoc_phi"] == [1, 3, 4]
    assert quote_candidates(texts, result, per_theme=0)["hoc_phi"] == []
    assert quote_candidates(texts, result, min_chars=0, max_chars=12)["hoc_phi"] == [0]


def test_quote_candidates_deterministic_and_bounded(taxonomy: Taxonomy) -> None:
    """The same input gives the same quotes, never more than asked, all within the limits."""
    texts = [text for text, _, _ in CORPUS] * 2
    result = classify(texts, taxonomy)
    first = quote_candidates(texts, result, per_theme=3, min_chars=30, max_chars=90)
    assert first == quote_candidates(texts, result, per_theme=3, min_chars=30, max_chars=90)
    for theme_id, rows in first.items():
        assert len(rows) <= 3 and rows == sorted(set(rows), key=rows.index)
        column = result.theme_ids.index(theme_id)
        for row in rows:
            assert result.themes[row, column] and 30 <= len(texts[row]) <= 90
        assert len({texts[row].casefold() for row in rows}) == len(rows)


def test_quote_candidates_checks_its_arguments(taxonomy: Taxonomy) -> None:
    """Mismatched texts and impossible limits are errors, not empty quotes."""
    result = classify(["Tốt"], taxonomy)
    with pytest.raises(ValueError, match="texts but"):
        quote_candidates(["Tốt", "Tốt"], result)
    with pytest.raises(ValueError, match="per_theme"):
        quote_candidates(["Tốt"], result, per_theme=-1)
    with pytest.raises(ValueError, match="min_chars"):
        quote_candidates(["Tốt"], result, min_chars=50, max_chars=10)


def test_many_office_themes(tmp_path: Path) -> None:
    """More themes than fit in one machine word still get their own columns."""
    tables = "\n".join(
        f'[[theme]]\nid = "chu_de_{i}"\nlabel = "Chủ đề {i}"\nkeywords = ["chủ đề số {i}"]\n'
        for i in range(70)
    )
    office = load_taxonomy(_write(tmp_path, tables))
    assert len(office.ids) == 81
    result = classify(["Ý kiến về chủ đề số 65 và chủ đề số 3", "học phí"], office)
    assert _found(result, 0) == {"chu_de_65", "chu_de_3"}
    assert _found(result, 1) == {"hoc_phi"}
