"""The danger table: realistic sentences as residents, 통장 and caseworkers write them (반말,
존댓말, third person, typos, no spaces), each with the kinds of danger it must show, and
harmless sentences that must not trigger. The miss rate on the dangerous table must be 0;
the false-alarm rate on the harmless table is measured and kept at 0 here too."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from welfare.danger import Danger, DangerKind, load_danger_phrases, lonely_death_pattern, normalise, screen

S, V, M = DangerKind.SUICIDE, DangerKind.VIOLENCE, DangerKind.MEDICAL

DANGEROUS: list[tuple[str, set[DangerKind]]] = [
    # 자살·자해: first person, 반말 and 존댓말
    ("죽고 싶어요", {S}), ("죽고싶다", {S}), ("자살하고 싶어요", {S}), ("살기 싫어요", {S}),
    ("그냥 다 끝내고 싶어", {S}), ("요즘 너무 힘들어서 죽고싶은 생각만 들어요", {S}),
    ("죽고십어요", {S}), ("죽고시퍼", {S}), ("죽구싶다 진짜", {S}), ("살기실어요", {S}),
    ("죽고ㅠㅠ싶어ㅠㅠ", {S}), ("사라지고 싶어요", {S}), ("내가 없어지면 다들 편하겠지", {S}),
    ("살아서 뭐해요", {S}), ("더 이상 살고 싶지 않아요", {S}), ("유서를 써 놨어요", {S}),
    ("손목을 그었어요", {S}), ("번개탄 사 왔어", {S}), ("수면제를 모아 두고 있어요", {S}),
    ("옥상에서 뛰어내리고 싶다", {S}), ("목매고 싶다는 생각", {S}), ("자해를 자꾸 해요", {S}),
    ("극단적 선택을 할까 봐 걱정돼요", {S}), ("그동안 고마웠다고 문자가 왔어요", {S}),
    # 자살·자해: third person, as a neighbour or 통장 reports it
    ("할아버지가 요즘 죽고 싶다고 자주 말씀하세요", {S}), ("할머니가 죽고 싶다고 하세요", {S}),
    ("옆집 아저씨가 자살한다고 했어요", {S}), ("엄마가 살기 싫대요", {S}),
    ("아들이 죽어버리겠다고 소리쳐요", {S}), ("어르신이 짐만 된다고 먼저 가서 미안하다고 하셨어요", {S}),
    ("할머니가농약을마시겠다고하셨어요", {S}), ("친구가 목숨을 끊겠다고 해요", {S}),
    ("자살 예방 교육 받고 왔는데 윗집 할머니가 자살하고 싶대요", {S}),
    # 폭력·학대
    ("남편이 때려요", {V}), ("아빠가 엄마를 때렸어요", {V}), ("옆집에서 아이 우는 소리랑 때리는 소리가 나요", {V}),
    ("할머니가 아들한테 맞아서 멍이 들었어요", {V}), ("아이가 매일 맞고 살아요", {V}),
    ("죽여버리겠다고 협박해요", {V}), ("칼 들고 위협했어요", {V}), ("아이를 방에 가둬 놓고 밥을 안 줘요", {V}),
    ("노인 학대 같아요", {V}), ("아동학대가 의심돼요", {V}), ("성추행을 당했어요", {V}),
    ("밤마다 비명이 들려요", {V}), ("집에 갇혀 있어요", {V}), ("남자친구가 목을 졸랐어요", {V}),
    ("아저씨가 술 먹고 폭력을 써요", {V}), ("애를 발로 차요", {V}), ("살려주세요", {V}),
    ("할아버지를 며느리가 굶기는 것 같아요", {V}), ("갇혀있어요 도와주세요", {V}),
    ("때리고 물건을 던지고 난리예요", {V}),
    # 응급
    ("할머니가 쓰러져 있어요", {M}), ("아버지가 쓰러졌어요", {M}), ("숨을 안 쉬어요", {M}),
    ("숨쉬기 힘들어해요", {M}), ("불러도 대답이 없어요", {M}), ("의식이 없어요", {M}),
    ("피를 많이 흘려요", {M}), ("가슴이 너무 아프대요", {M}), ("갑자기 경련을 해요", {M}),
    ("입이 돌아가고 말이 어눌해요", {M}), ("할아버지가쓰러져서못일어나세요", {M}),
    ("쓰러졋어요", {M}), ("구급차 불러야 할 것 같아요", {M}), ("집에 불이 났어요", {M}),
    ("가스 냄새가 심하게 나요", {M}), ("약을 너무 많이 드신 것 같아요", {M, }),
    ("움직이지 않아요", {M}), ("기절했어요", {M}),
    # more than one kind at once
    ("남편이 때려서 피를 많이 흘려요", {V, M}), ("남편한테 맞고 나서 죽고 싶다고 해요", {V, S}),
    ("수면제를 한꺼번에 먹고 쓰러져 있어요", {S, M}),
    # Vietnamese (vi): as a marriage migrant or a neighbour writes it, with and without diacritics
    ("Tôi muốn chết", {S}), ("Chị ấy nói không muốn sống nữa", {S}), ("Bà cụ bảo chán sống lắm rồi", {S}),
    ("Em sợ chồng em tự tử", {S}), ("toi muon chet", {S}), ("Anh ấy viết thư tuyệt mệnh", {S}),
    ("Cô ấy cắt tay", {S}), ("Chồng tôi đánh tôi, cứu tôi với", {V}), ("Tôi bị chồng đánh hằng ngày", {V}),
    ("Hàng xóm bạo hành con", {V}), ("Anh ta dọa giết cả nhà", {V}), ("Con bị nhốt trong phòng", {V}),
    ("Bà bị ngất trong nhà", {M}), ("Ông cụ khó thở lắm", {M}), ("Gọi mãi không trả lời, nằm bất động", {M}),
    ("Cần gọi xe cấp cứu", {M}), ("Chồng đánh tôi chảy nhiều máu", {V, M}),
    # Chinese (zh, simplified)
    ("我不想活了", {S}), ("她说活着没意思，想死", {S}), ("邻居老人说要喝农药", {S}), ("他写了遗书", {S}),
    ("我老公打我", {V}), ("孩子被打得很惨", {V}), ("我被家暴了，救命", {V}), ("他拿刀威胁我", {V}),
    ("奶奶晕倒了", {M}), ("爷爷叫不醒，没有呼吸", {M}), ("她喘不过气", {M}), ("快叫救护车", {M}),
    ("丈夫打我以后我想死", {V, S}),
]

HARMLESS: list[str] = [
    "죽을 만큼 바빠요", "배고파 죽겠어요", "웃겨 죽겠네", "죽이 맛있어요", "자살 예방 교육 일정 알려 주세요",
    "맞춤돌봄 신청하고 싶어요", "노인맞춤돌봄서비스 받을 수 있나요", "월세가 석 달 밀렸어요",
    "일자리를 잃었어요", "혼자 사는데 기초연금 받을 수 있나요", "병원비가 너무 많이 나왔어요",
    "전기가 끊길 것 같아요", "아이 학원비가 부담돼요", "어머니를 병원에 데려가 주실 수 있나요",
    "차를 대려고 했는데 자리가 없어요", "회사 때려치웠어요", "답이 맞았어요", "주사 맞고 왔어요",
    "날씨가 더워 죽겠다", "졸려 죽겠어", "귀여워 죽겠어요", "응급안전안심서비스 신청하고 싶어요",
    "우리 동네 복지관 어디 있어요", "할머니가 요즘 많이 외로워 보이세요", "기초생활수급 신청 방법",
    "장기요양 등급 받으려면 어떻게 해요", "난방이 안 되는 것 같아요", "쓰레기가 많이 쌓였어요",
    "치매가 의심돼요", "아이 돌봄이 필요해요", "밥은 잘 드세요", "학교폭력예방교육 날짜가 언제예요",
    "손주가 놀러 왔어요", "대출 이자가 너무 높아요", "이사 가고 싶어요",
    "이번 주에 김장해요", "여행 떠나고 싶어요", "집주인이 보증금을 안 돌려줘요",
    # vi: everyday words that contain a phrase's letters, and exaggerations
    "Từ từ thôi, không vội", "Tôi mệt muốn chết", "Hôm nay nóng muốn chết", "Con đánh răng rồi",
    "Sáng nay tôi bị đánh thức lúc 5 giờ", "Tôi muốn đăng ký trợ cấp", "Tiền nhà ba tháng chưa trả",
    "Tôi mất việc rồi", "Giá nhà cao ngất", "Lớp học sơ cấp cứu ở đâu",
    # zh
    "累死了", "笑死我了", "想死你了", "请打我电话", "我想申请补助", "房租三个月没交了", "我失业了",
    "早上起不来", "我想找工作", "急救培训什么时候",
]


def test_the_tables_are_large_enough():
    assert len(DANGEROUS) >= 60 and len(HARMLESS) >= 30
    assert {k for _, kinds in DANGEROUS for k in kinds} == set(DangerKind)


@pytest.mark.parametrize(("text", "kinds"), DANGEROUS, ids=[t for t, _ in DANGEROUS])
def test_dangerous_sentences_are_found(text: str, kinds: set[DangerKind]):
    found = screen(text)
    assert kinds <= set(found.kinds), f"{text!r}: found {found.kinds}"


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_sentences_do_not_trigger(text: str):
    assert not screen(text), f"{text!r}: false alarm {screen(text).kinds}"


def test_rates_on_the_tables():
    """The measured rates (reported with the change): no miss, no false alarm."""
    missed = [t for t, kinds in DANGEROUS if not kinds <= set(screen(t).kinds)]
    false_alarms = [t for t in HARMLESS if screen(t)]
    print(f"\nmiss rate {len(missed)}/{len(DANGEROUS)}, false-alarm rate {len(false_alarms)}/{len(HARMLESS)}")
    assert missed == [] and false_alarms == []


def test_numbers_follow_the_kind_and_always_end_with_129():
    assert screen("죽고 싶어요").numbers() == ("109", "119", "129")
    assert screen("남편이 때려요").numbers() == ("112", "129")
    assert screen("쓰러져 있어요").numbers() == ("119", "129")
    assert screen("때려서 쓰러졌어요").numbers() == ("112", "119", "129")
    assert Danger().numbers() == ("129",)


def test_normalise_folds_spacing_jamo_and_misspelt_finals():
    assert normalise("죽고 싶어요!!") == normalise("죽고싶어요") == normalise("죽고  십어요ㅠㅠ")
    assert normalise("쓰러졌어") == normalise("쓰러졋어")
    assert normalise("데려") != normalise("때려")  # 데려가요 (take along) is not 때려요 (hit)


def test_lonely_death_pattern():
    assert lonely_death_pattern("우편물이 쌓여 있고 일주일째 할머니가 안 보여요")
    assert lonely_death_pattern("집에서 이상한 냄새가 나요")
    assert lonely_death_pattern("며칠째 안 보여요", older_or_alone=True)
    assert not lonely_death_pattern("며칠째 안 보여요")  # who? nothing says older or alone
    assert not lonely_death_pattern("월세가 밀렸어요", older_or_alone=True)


@given(st.text(max_size=300))
def test_any_text_screens_without_error(text: str):
    found = screen(text)
    assert all(isinstance(k, DangerKind) for k in found.kinds)


@given(st.sampled_from([t for t, _ in DANGEROUS]), st.text(alphabet=" .,!?~ㅠㅜㅋ", max_size=6))
def test_danger_survives_spacing_and_crying_marks(text: str, noise: str):
    assert screen(noise.join(text.split(" ")) + noise)


def test_the_data_file_loads_every_kind():
    phrases = load_danger_phrases()
    assert set(phrases.matchers) == set(DangerKind)
    assert phrases.calls[DangerKind.SUICIDE][0] == "109"
