"""Word lists the scrubber reasons with: Vietnamese family names, given names, honorifics.

Data, not logic: extend the lists when a new case is found. Every entry is lowercase NFC; the
scrubber also compares diacritic-free forms when a text is typed without accents, so that
"thay hung" is read like "thầy Hùng".
"""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _phrases(text: str) -> frozenset[str]:
    return frozenset(
        part.strip().lower() for part in text.replace("\n", "").split("|") if part.strip()
    )


FAMILY_NAMES = _words("""
nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh mai trịnh lương tạ cao
hà lâm đào đoàn vương trương tô triệu chu châu quách thái tăng lưu kiều mạc nông lò hứa la văn
diệp đàm giang khúc lục mã ninh phùng quan thân thạch tôn từ ung viên khổng âu bạch cù lại lạc
tống hàn hầu doãn đồng kim chử chung thi nghiêm
""")

#: Family names common enough to start a lowercase full name ("nguyễn văn an"); rarer ones
#: (mai, hà, lâm, cao…) are everyday words too and need capitals.
CORE_FAMILY_NAMES = _words("""
nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đinh trịnh lương trương
đoàn đào vương
""")

#: Middle names: the second word of a lowercase full name.
MIDDLE_NAMES = _words("""
văn thị đức hữu minh ngọc thanh quang xuân thu hồng kim bảo gia anh quốc công đình thế tuấn hoàng
mạnh việt như diệu phương khánh hải trung tiến thùy thúy nhật duy hoài huy tấn bá trọng đăng
""")

#: Common given names (and the middle names that start them), enough to recognise a lowercase
#: name after an honorific ("cô lan", "thầy hùng").
GIVEN_NAMES = _words("""
an anh ánh bảo bắc bích bình cẩm chi chiến chinh công cúc cường dân diệp diệu diễm dung dũng
duy duyên dương đạt điệp định đông đức giang giao hà hải hạnh hào hằng hân hậu hiền hiếu hiệp hiển
hoa hòa hoà hoài hoan hoàn hoàng hồng huế huệ hùng hưng hương hường huy huyền khải khang khanh khánh
khoa khôi khuê kiên kiều kim lan lâm lành lệ liên liễu linh loan lộc long luân lực ly lý mai mạnh
minh mơ my mỹ nam nga ngân nghĩa ngọc nguyên nguyệt nhàn nhân nhi nhung như oanh phong phú phúc
phụng phương phượng quân quang quế quốc quỳnh sang sáng sơn sương tài tâm tân thái thắm thắng thanh
thành thảo thịnh thơ thu thuận thúy thủy thư thương tiến tiên tín toàn trang trâm trí trinh trọng
trúc trung tú tuấn tùng tuyết tuyền uyên vân văn việt vinh vũ vy xuân yên yến thị đình hữu ngọc
hồng thùy diệu gia bá công khắc quý tấn thế tiểu kiệt tâm ninh lợi nhật thiện tín khôi
khoa phát đạt hiếu hậu tiên trân vi thy quyên quyết tường tuệ vỹ vĩ hạ huyên loan lụa
mẫn nguyệt nhã nhiên nhung phấn quân sâm thông thục thường tịnh trà tuyên ước vương xuyến
""")

#: Nicknames (tên gọi ở nhà) that parents and pupils write for a child: capitalised, they are a
#: person even with no title ("Tôm với Bơ trốn học"); lowercase they are ordinary words.
NICKNAMES = _words("""
bin bi bo bống bông bơ bắp bé bòn bun cún cốm chíp dế đậu gạo gấu ken kem khoai kiki mít mèo
mi na nấm nhím ốc sóc su susu sữa tí tít tèo tôm thỏ tin tun xu xoài na ni bum bống bủm cua
""")

#: Words after a name that describe the person and identify them as much ("Tuấn béo").
DESCRIPTORS = _words("béo mập còi lùn gầy đen móm sún xoăn điệu lé")

#: Words after which a name follows: kin and honorifics.
HONORIFICS = _words(
    "ông bà anh chị cô thầy cháu em con bé bạn bác chú dì cậu mợ thím dượng cu mẹ bố cha má"
)

#: Role and kin phrases after which a name follows.
ROLE_PHRASES = tuple(
    phrase.strip()
    for phrase in """
hiệu trưởng|hiệu phó|phó hiệu trưởng|giáo viên|cô giáo|thầy giáo|chủ nhiệm|gvcn|gv|tổng phụ trách|
bộ trưởng|thứ trưởng|giám đốc|phó giám đốc|trưởng phòng|phó phòng|chủ tịch|phó chủ tịch|bí thư|
trưởng thôn|trưởng ấp|trưởng bản|tổ trưởng|tổ phó|trưởng khu|trưởng công an|bảo mẫu|chủ quán|
chủ nhà|chủ tiệm|bác sĩ|bs|y tá|điều dưỡng|cán bộ|tài xế|lái xe|bệnh nhân|bn|nữ sinh|nam sinh|
cháu bé|em bé|thằng|con bé|nhóc|chủ tk|chủ tài khoản|người nhận|lớp trưởng|lớp phó|
đồng chí|đ/c|ca sĩ|nhà báo|luật sư|công nhân|nhân viên|trưởng ban|hội trưởng|
kế toán|thủ quỹ|bảo vệ|cấp dưỡng|y tế|văn thư|tên là|tên|con tôi|con em|cháu tôi|con trai tôi|
con gái tôi|bé nhà tôi|em học sinh|học sinh|bạn học|mẹ của|bố của|mẹ bé|mẹ cháu|bố cháu|
phụ huynh em|phụ huynh cháu|phụ huynh bé|họ tên|họ và tên|ba của|má của|cha của|ba bé|ba cháu|
má bé|mẹ em|ba em|bố em
""".replace("\n", "").split("|")
    if phrase.strip()
)

#: Role phrases after which only a capitalised word is taken as a name ("học sinh giỏi" is not).
CAPITALISED_ONLY_AFTER = _phrases("""
bộ trưởng|thứ trưởng|giám đốc|phó giám đốc|trưởng phòng|phó phòng|chủ tịch|phó chủ tịch|bí thư|
trưởng thôn|trưởng ấp|trưởng bản|tổ trưởng|tổ phó|trưởng khu|trưởng công an|bảo mẫu|chủ quán|
chủ nhà|chủ tiệm|bác sĩ|bs|y tá|điều dưỡng|cán bộ|tài xế|lái xe|bệnh nhân|bn|nữ sinh|nam sinh|
thằng|nhóc|người nhận|lớp trưởng|lớp phó|đồng chí|đ/c|ca sĩ|nhà báo|luật sư|công nhân|
nhân viên|trưởng ban|hội trưởng|học sinh|giáo viên|kế toán|y tế|bảo vệ|văn thư|hiệu trưởng|hiệu phó|phó hiệu trưởng|tổng phụ trách|
thủ quỹ|cấp dưỡng|chủ nhiệm|gv|gvcn|bạn học|em học sinh
""")

#: Words that, before a family name, make it the name of a place or an institution.
PLACE_WORDS = _words("""
trường thcs thpt th mn ptcs ptth pt gdtx ptdtnt học non đường phố phường xã quận huyện tỉnh
thành cầu chợ viện đội đoàn cung tượng lăng giải làng thôn ấp đ. p. q. tp tp. kđt bác chủ tịch
liên đội nhà khu ngõ hẻm kiệt ngách quảng chuyên tnpt tiểu cấp
""")

#: Historic figures and places whose names start like a person's: kept unless a person word
#: (cô, thầy, cháu…) stands right before them.
FAMOUS = _phrases("""
Hồ Chí Minh|Võ Nguyên Giáp|Nguyễn Trãi|Trần Hưng Đạo|Lê Lợi|Nguyễn Du|Lý Thường Kiệt|Trần Phú|
Quang Trung|Lê Văn Tám|Võ Thị Sáu|Kim Đồng|Nguyễn Bỉnh Khiêm|Chu Văn An|Lê Quý Đôn|Nguyễn Huệ|
Phan Bội Châu|Phan Chu Trinh|Hai Bà Trưng|Bà Triệu|Ngô Quyền|Lý Tự Trọng|Nguyễn Thị Minh Khai|
Trần Quốc Toản|Tô Hiến Thành|Hoàng Hoa Thám|Nguyễn Tất Thành|Trương Định|Trương Công Định|
Đinh Tiên Hoàng|Lê Hồng Phong|Hà Huy Tập|Nguyễn Văn Cừ|Tôn Đức Thắng|Phạm Văn Đồng|Lê Duẩn|
Nguyễn Khuyến|Nguyễn Đình Chiểu|Tô Hiệu|Cù Chính Lan|Bế Văn Đàn|Phan Đình Phùng|Lương Thế Vinh|
Nguyễn Văn Trỗi|Hoàng Văn Thụ|Lê Thánh Tông|Trần Nhân Tông|Lý Thái Tổ|Trần Quang Khải|Lê Lai|
Nguyễn Chí Thanh|Nguyễn Thái Học|Phạm Ngũ Lão|Yết Kiêu|Lý Công Uẩn|Trần Đại Nghĩa|Nguyễn Văn Linh|
Hùng Vương|An Dương Vương|Mạc Đĩnh Chi|Lê Hữu Trác|Hải Thượng Lãn Ông|Nguyễn Hiền|Võ Văn Tần|
Trần Văn Ơn|Nguyễn Lương Bằng|Đặng Thai Mai|Lê Ngọc Hân|Nguyễn Trung Trực|Trưng Vương|Tô Vĩnh Diện|
Nguyễn Viết Xuân|La Văn Cầu|Phan Đăng Lưu|Huỳnh Thúc Kháng|Điện Biên Phủ|Nguyễn Công Trứ|Trần Nguyên Hãn|
chị Hằng|chú Cuội|Cô Tấm|Thánh Gióng|ông Công|ông Táo|Sơn Tinh|Thủy Tinh|Thạch Sanh|
Lý Thông|Mị Châu|Trọng Thủy|Lạc Long Quân|Âu Cơ|Chí Phèo|Thị Nở|Lão Hạc|Tấm Cám|Hà Nội|Hà Nam|Hà Giang|Hà Tĩnh|Hà Đông|Hà Tiên|Cao Bằng|Lâm Đồng|Lâm Hà|Hồ Gươm|Hồ Tây|Đồng Nai|
Đồng Tháp|Đồng Hới|Đồng Xoài|Tô Lịch|Mai Châu|Phan Thiết|Phan Rang|Hoàng Mai|Hồ Xuân Hương|
Bùi Thị Xuân|Lê Thị Riêng|Nguyễn Thị Định|Trần Cao Vân|Nguyễn An Ninh|Lý Chính Thắng
""")

#: Two-word phrases whose first word is also a given name: never a name ("an toàn", "lan can").
NOT_NAMES = _phrases("""
an toàn|an ninh|an tâm|an ủi|bình thường|bình yên|bình đẳng|minh bạch|minh chứng|hoa quả|hoa phượng|
hoa sen|lan can|lan truyền|nam sinh|nam giới|hùng vĩ|hà khắc|mai mốt|mai sau|hải sản|tâm lý|tâm huyết|
tâm sự|tâm trạng|trung thu|trung bình|trung thực|trung tâm|thu chi|thu phí|thu tiền|xuân hè|thanh toán|
thanh niên|quang cảnh|phong trào|linh hoạt|hồng hào|dũng cảm|cường độ|phúc lợi|đức tính|hiền lành|
hòa nhập|hòa đồng|long trọng|khánh thành|sơn sửa|thành tích|thành viên|nhân viên|vân vân|tiến bộ|tiến độ|
kim loại|nghĩa vụ|thắng lợi|chi phí|chi tiết|chi trả|thu hút|thu nhập|hạnh kiểm|hạnh phúc|công bằng|
công khai|công tác|khang trang|an hưởng|tuyết rơi|mỹ thuật|huy động|lực lượng|toàn bộ|toàn diện|
duy trì|giao thông|giao tiếp|hà nội|đông đúc|uyên bác|sáng tạo|sáng sớm|tài chính|tài liệu|nghĩa là|
kiên nhẫn|kiên trì|kiên quyết|liên kết|liên hệ|liên lạc|liên quan|liên tục|dân tộc|dân số|dân cư|
thương binh|thương yêu|thương mến|anh hùng|anh em|anh chị|cô giáo|cô chú|bác sĩ|bà con|ông bà|con em|
em bé|chị em|bạn bè|thầy cô|bạn học|sáng nay|sáng mai|sáng sủa|chiều nay|hiếu động|hiếu học|
vinh danh|vinh dự|thu hoạch|thu dọn|nhân dân|nhân ái|trí tuệ|trí nhớ|tuấn tú|minh mẫn|bình tĩnh|
bình an|hòa bình|hòa thuận|lộc lá|phúc đáp|sang năm|sang tuần|mai này|thanh lý|thanh tra|trung học|
nam bộ|đông nam|tây nam|đông bắc|khánh hòa|hồng ngoại|tiểu học|tiểu ban|kim chỉ|thế giới|thế hệ|
quý giá|quý báu|công nhân|công an|công viên|gia đình|gia sư|gia hạn|việt nam|quốc gia|quốc tế|
hoàn thành|hoàn toàn|ngọc trai|nguyên nhân|nguyên tắc|tài sản|khải hoàn|trinh sát|phương pháp|
phương án|phương tiện|tiến hành|tú tài|trọng tâm|trọng điểm|lành mạnh|đông người|hiền hòa|
thành phố|văn hóa|văn bản|văn nghệ|yên tâm|yên tĩnh|thanh tịnh|xuân thu|thu đông
""")

#: Words and phrases after which a capitalised phrase names a place or a body, not a person
#: ("Sở Y tế Đà Nẵng", "phường An Sơn", "quán Tâm Phúc", "Bệnh viện Chợ Rẫy").
PLACE_HEADS = _phrases("""
sở|miền|vùng|ngã ba|ngã tư|khối phố|khối|bộ|ubnd|ủy ban|uỷ ban|công an|bệnh viện|trung tâm|công ty|ngân hàng|siêu thị|quán|chợ|
khách sạn|nhà hàng|nhà nghỉ|chùa|nhà thờ|sân bay|sông|núi|đảo|bến|cơ sở|tạp hóa|tạp hoá|
phòng khám|nhà thuốc|cửa hàng|tiệm|đại học|học viện|cao đẳng|tỉnh|huyện|thành phố|tp|tp.|quận|
thị xã|thị trấn|phường|xã|thôn|xóm|ấp|bản|làng|đường|phố|đại lộ|ngõ|hẻm|kiệt|khu|khu phố|
tổ dân phố|trường|thcs|thpt|th|mn|tiểu học|mầm non|trung học|mẫu giáo|nhà trẻ|đội|liên đội|
cung|viện|cầu|tượng|lăng|giải|quảng trường|công viên|hồ|biển|vịnh|đèo|cảng|ga|bến xe|
nhà văn hóa|nhà văn hoá|huyện ủy|tỉnh ủy|đảng ủy|hội|ban|đoàn|chi cục|cục|tổng cục|tòa án|
viện kiểm sát|kho bạc|bưu điện|đài|báo|tạp chí|nhà xuất bản|hãng|tập đoàn|hợp tác xã|htx|
sư đoàn|trung đoàn|tiểu đoàn|lữ đoàn|quân khu|bộ chỉ huy|đồn|trạm|trạm y tế|khoa|tiếng|môn|
lớp|khối|tết|lễ|ngày|giờ|tiết|điểm|đề án|dự án|chương trình|phong trào|cuộc thi|hội thi|
quỹ|nhóm|câu lạc bộ|clb|kênh|trang|app|ứng dụng
""")

#: Compounds that end in a place word without naming a place: "công nhân môi trường Nguyễn
#: Thị Quyên" is a person.
NOT_PLACE_COMPOUNDS = _phrases("""
đối tượng|hiện tượng|ấn tượng|trừu tượng|trưởng ban|phó ban|trưởng khoa|phó khoa|đội trưởng|
đội phó|môi trường|thị trường|chiến trường|hiện trường|công trường|lập trường|quan trường|nhà trường|
đồng đội|hàng xóm|trên đường|dọc đường|con đường|giữa đường|ra đường|qua đường|bên đường
""")

#: One-syllable countries: a place after a word of movement or origin ("từ Mỹ về", "sang Lào"),
#: otherwise possibly a given name (Đức, Mỹ, Anh, Nga).
ONE_SYLLABLE_COUNTRIES = _words("mỹ anh pháp đức nga lào ý úc bỉ áo séc nhật hàn huế vinh")
ORIGIN_WORDS = _words("từ sang ở tại về đến qua nước người xứ bên du học tiếng hàng bang trú")

#: School subjects: a capitalised subject ("môn Văn", "giỏi Anh", "thi Lý") is not a person.
SUBJECTS = _words("văn anh sử địa lý hóa hoá sinh toán nhạc họa hoạ tin")

#: Given names that are common words in lowercase: "cô bảo các con", "bố trí", "ông dương tính".
LOWERCASE_WORDS = _words("bảo dương trí công nhân an thương mong hiền vui khánh tâm minh")

#: Words after which a capitalised given name is a person even with no title ("đi cùng với
#: Nhung", "Theo Ngọc", "gặp Tuấn").
PERSON_CUES = _words("""
với cùng theo của cho gặp gọi hỏi nhờ bảo nói và hoặc thấy đánh bắt đưa đón rủ kêu nhắn tên
""")

#: Words after a sentence-initial given name that show it is a person ("Minh lớp 4A hay…").
BARE_NAME_CUES = _words("""
lớp hay bị được đi nói bảo học đánh khóc về ơi ạ và với cùng thì là có không chưa đã đang sẽ
vừa mới rất lại cũng năm tuổi kể xin muốn thích ghét chơi ăn ngủ cười làm viết đọc sợ nghỉ ốm
sốt trốn bỏ ngã té nhặt mang quên
""")

#: Lowercase words inside the name of a body, between its head and a capitalised place
#: ("Bệnh viện Trung ương Huế", "Sở Y tế Đà Nẵng", "Trung tâm Kiểm soát bệnh tật Bình Thuận").
BODY_WORDS = _words("""
y tế đa khoa ương trung nhi quốc giáo dục và đào tạo kiểm soát bệnh tật công an nhân dân văn
hóa hoá thể thao du lịch lao động thương binh xã hội tài chính nội vụ tư pháp phổ thông tộc trú
cơ sở quân đội giao vận tải xây dựng môi trường nguyên khoa học tin truyền mầm non tiểu liên cấp
huyện tỉnh thành phố quận phường chăm sóc sức khỏe khoẻ sản phụ răng hàm mặt mắt tâm thần lao
phổi ung bướu phục hồi chức năng dự phòng cấp cứu hồi tích cực điều trị cách ly nhiệt đới
""")
