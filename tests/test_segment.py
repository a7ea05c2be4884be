"""Tests for tmtool.segment: the example article, the contract and the rule classes (issue 3).

SRX import/export is in test_segment_srx.py; properties, pathological inputs and the benchmark
metric are in test_segment_props.py and test_segment_bench.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tmtool.errors import SegmentationError
from tmtool.records import Segment
from tmtool.segment import Segmenter, segment_text

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "examples" / "antara-2022-09-15-xi-aliyev.id.txt"

# The 20 segments of the example article: 17 prose sentences (the dateline stays in the first),
# then the three credit lines; the NBSP-only line is not a segment.
ARTICLE_SEGMENTS = [
    (
        'Samarkand (ANTARA) - Presiden China Xi Jinping bertemu dengan Presiden Azerbaijan Ilham '
        'Aliyev pada Kamis (15/9) sore waktu setempat di Kompleks Forumlar Majmuasi di Samarkand.'
    ),
    (
        'Xi menyatakan bahwa tahun ini menandai peringatan 30 tahun pembentukan hubungan diplomatik'
        ' antara China dan Azerbaijan.'
    ),
    (
        'China mendukung jalur pembangunan Azerbaijan yang dipilih secara independen oleh '
        'rakyatnya.'
    ),
    (
        'Kedua pihak perlu memandang dan merencanakan hubungan bilateral dari titik yang strategis,'
        ' meningkatkan rasa saling percaya yang strategis, memperkuat rasa saling mendukung, '
        'memperdalam kerja sama yang saling menguntungkan dan mengupayakan kerja sama yang stabil, '
        'mendalam, dan praktis dalam berbagai bidang.'
    ),
    (
        'Xi menekankan bahwa situasi internasional saat ini tengah mengalami perubahan yang '
        'mendalam dan kompleks.'
    ),
    (
        'Semakin rumit situasi itu, semakin besar pula kebutuhan masyarakat internasional untuk '
        'memperkuat solidaritas dan koordinasi.'
    ),
    (
        'China menyambut Azerbaijan untuk bergabung dengan negara itu dalam mengimplementasikan '
        'Inisiatif Pembangunan Global (Global Development Initiative/GDI) dan Inisiatif Keamanan '
        'Global (Global Security Initiative/GSI).'
    ),
    (
        'Kedua pihak juga perlu memperluas perdagangan, menggenjot perdagangan campuran, '
        'meningkatkan jumlah layanan kereta kargo China-Europe Express, dan memastikan kelancaran '
        'rantai pasokan internasional.'
    ),
    (
        'Xi mengungkapkan keyakinannya bahwa kerja sama Sabuk dan Jalur Sutra antara China dan '
        'Azerbaijan memiliki prospek yang luas.'
    ),
    (
        'Kedua pihak perlu meningkatkan pertukaran antarmasyarakat dan budaya serta memperdalam '
        'persahabatan antara kedua rakyat negara tersebut.'
    ),
    (
        'China juga mendukung Azerbaijan dalam menjalin kerja sama dengan Organisasi Kerja Sama '
        'Shanghai (Shanghai Cooperation Organization/SCO), untuk bekerja sama demi keamanan, '
        'stabilitas, pembangunan, dan kemakmuran di kawasan tersebut.'
    ),
    (
        'Aliyev menuturkan bahwa Azerbaijan dan China merupakan mitra strategis sejati mengingat '
        'kedua belah pihak menjaga komunikasi yang erat dalam urusan internasional dan kerja sama '
        'bilateral yang berkembang dengan stabil.'
    ),
    (
        'Azerbaijan mengucapkan terima kasih kepada China atas penyediaan vaksin COVID-19, yang '
        'sepenuhnya menunjukkan semangat solidaritas yang selalu digaungkan oleh China.'
    ),
    (
        'Azerbaijan akan menjadikan peringatan 30 tahun hubungan diplomatik antara kedua negara '
        'sebagai peluang untuk memperdalam kerja sama praktis dalam berbagai bidang.'
    ),
    (
        'Aliyev mengatakan bahwa Azerbaijan mematuhi kebijakan Satu China, mendukung kuat China '
        'dalam melindungi kedaulatan nasional, keamanan, dan integritas wilayah negara tersebut, '
        'menentang tegas segala tindakan yang mengganggu urusan dalam negeri atau upaya memecah '
        'belah China, dan mendukung teguh China dalam menjaga kepentingannya.'
    ),
    (
        'Pihak Azerbaijan mendukung GSI dan GDI usulan pihak China, dan akan aktif terlibat dalam '
        'kerja sama Sabuk dan Jalur Sutra dengan pihak China.'
    ),
    (
        'Ding Xuexiang, Yang Jiechi, Wang Yi, He Lifeng, dan sejumlah pejabat lainnya turut '
        'menghadiri pertemuan itu.'
    ),
    'Penerjemah: Xinhua',
    'Editor: Atman Ahdiat',
    'Copyright © ANTARA 2022',
]


def texts(text: str, segmenter: Segmenter | None = None) -> list[str]:
    return [s.text for s in (segmenter or Segmenter()).segment(text)]


def test_example_article_gives_the_pinned_20_segments():
    text = ARTICLE.read_text(encoding="utf-8")
    segments = segment_text(text)
    assert [s.text for s in segments] == ARTICLE_SEGMENTS
    assert all(text[s.start : s.end] == s.text for s in segments)
    assert [s.index for s in segments] == list(range(20))


def test_example_article_lines_and_paragraphs():
    segments = segment_text(ARTICLE.read_text(encoding="utf-8"))
    assert [(s.paragraph, s.line) for s in segments[:3]] == [(0, 0), (1, 2), (1, 2)]
    # The credit lines form one paragraph (the NBSP-only line before them counts as blank).
    assert [(s.paragraph, s.line) for s in segments[-3:]] == [(12, 27), (12, 28), (12, 29)]


# --- the contract: offsets, lines, paragraphs -------------------------------------------------


def test_segments_are_exact_spans_without_surrounding_space():
    text = "  Ia datang.   Dia pergi!\t \n"
    segments = segment_text(text)
    assert segments == [
        Segment(0, 2, 12, "Ia datang.", 0, 0),
        Segment(1, 15, 25, "Dia pergi!", 0, 0),
    ]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_lines_never_join_and_blank_lines_start_paragraphs(newline):
    text = newline.join(["Judul Berita", "Kalimat satu. Kalimat dua", "", " \u00a0 ", "Penerjemah: Xinhua"])
    segments = segment_text(text)
    assert [(s.text, s.paragraph, s.line) for s in segments] == [
        ("Judul Berita", 0, 0),
        ("Kalimat satu.", 0, 1),
        ("Kalimat dua", 0, 1),
        ("Penerjemah: Xinhua", 1, 4),
    ]
    assert all(text[s.start : s.end] == s.text for s in segments)


def test_leading_blank_lines_do_not_count_as_a_paragraph():
    segments = segment_text("\n\n  \nSatu.\n\n\nDua.")
    assert [(s.text, s.paragraph, s.line) for s in segments] == [("Satu.", 0, 3), ("Dua.", 1, 6)]


@pytest.mark.parametrize("text", ["", " ", "\n\n", "\u00a0\r\n\t"])
def test_empty_or_blank_input_gives_no_segments(text):
    assert segment_text(text) == []


# --- the rule classes, with Indonesian examples -------------------------------------------------

# Each case is one line of text and the segments it must give.
RULE_CASES = {
    "titles and degrees": [
        ("Prof. Dr. Ir. H. Ahmad Basah, S.H., M.Si. membuka acara itu.", 1),
        ("Acara dibuka oleh dr. Terawan dan Drs. H. Hasan di Jakarta.", 1),
        ("KH. Ma'ruf Amin dan Hj. Siti hadir.", 1),
        ("Ia lulus sebagai Budi Santoso, S.E. Setelah itu ia bekerja.", 2),
        ("Gelarnya S.H. M.H. dari Universitas Indonesia.", 1),
    ],
    "honorifics": [
        ("Surat itu ditujukan kepada Yth. Bpk. Joko dan Sdr. Andi.", 1),
        ("Tn. Smith, Ny. Ani dan Nn. Rina menunggu di lobi.", 1),
        ("Pres. Joko Widodo tiba pukul 10.00 WIB.", 1),
    ],
    "places": [
        ("Kantornya di Jl. Merdeka No. 5, Kel. Gambir, Kec. Gambir, Kab. Bogor, Prov. Jawa Barat.", 1),
        ("Ia tinggal di JL. Sudirman dan Gg. Melati.", 1),
    ],
    "companies": [
        ("Saham PT. Kancil Mas dan CV. Maju Jaya naik.", 1),
        ("Sampoerna Asia Pte. Ltd. menjual sahamnya.", 1),
        ("Perjanjian dengan Hyundai Merchant Marine Co. Ltd. dari Korea Selatan.", 1),
        ("Laba PT Bank Mandiri Tbk. naik. PT Astra Tbk. Direksinya baru.", 3),
        ("PT Bank Negara Indonesia Tbk. (BBNI) menambah modal.", 1),
        ("Saham Itochu Corp. Rencana akuisisi itu batal.", 2),
        ("Ia membeli produk Yahoo! Inc. tahun lalu.", 1),
    ],
    "numbers and references": [
        ("Sesuai Keputusan No. XXXIII tahun 1998 dan No. 70 tahun 2000.", 1),
        ("Harganya Rp. 5.000 atau Rp 1.000.000 per unit.", 1),
        ("Hubungi Telp. (021) 555 atau lihat hlm. 23 dan tgl. 17 Agustus.", 1),
        ("Inflasi 3,5 persen pada Kamis (15/9) sore, versi v9.1 dirilis.", 1),
        ("Sistem itu dirilis pada 2005. Versi barunya keluar 2010.", 2),
        ("Pada 2005 muncul Symbian OS v9. 1 dengan keamanan baru.", 1),
        ("Kantor buka Senin s.d. Jumat a.n. Kepala Dinas.", 1),
        ("Korban ditemukan di km. 15 Jalan Raya Puncak pada kedalaman 10 km. Ia selamat.", 2),
        ("Gempa itu berkekuatan 50 Hz. Ini jarang terjadi.", 2),
        ("Rapat pada 15 Sept. 2022 dibuka. Jalan itu ada di Km. 12 arah Bogor.", 2),
    ],
    "sentence-final abbreviations": [
        ("Ia membeli apel, jeruk, dll. Namun semuanya busuk.", 2),
        ("Ia membeli apel, jeruk, dll. dan pulang.", 1),
        ("Buku ditulis Hasan dkk. menurut laporan itu.", 1),
        ("Penelitian Smith et al. (2005) membuktikannya.", 1),
    ],
    "initials and single capitals": [
        ("Lagu itu dinyanyikan R. Ahmad dan J.K. Rowling menulis bukunya.", 1),
        ("Menurut M. Nasir, harga naik.", 1),
        ("Album itu masuk seri V. Sampul resminya berwarna biru.", 2),
        ("Kota itu berdiri pada abad ke-6 M. Pelabuhannya besar.", 2),
        ("Area terakhir dekat dengan kumpulan B. Rancangan awalnya berubah.", 2),
        ("Anaknya bernama A. Ia lahir di Bandung.", 2),
        ("Bandara itu punya terminal A, B dan C. Terminal baru dibangun.", 2),
        ("Penyakit itu disebabkan virus hepatitis B. Gejalanya demam.", 2),
        ("Ia mendapat gelar Ph. D. dalam ilmu politik.", 1),
    ],
    "list items": [
        ("1. Pendahuluan", 1),
        ("Syaratnya ada dua, yaitu: 1. Warga negara; 2. Berusia 17 tahun.", 1),
        ("Syaratnya ada dua. 1. Warga negara. 2. Berusia 17 tahun.", 3),
        ("a. Beras dan gula", 1),
    ],
    "URLs and e-mail": [
        ("Kunjungi www.antaranews.com atau https://kemlu.go.id/id/berita.html untuk info.", 1),
        ("Kirim ke redaksi@contoh.co.id. Kami akan membalasnya.", 2),
    ],
    "ellipses": [
        ("Ia menunggu... Lalu ia pergi.", 2),
        ("Ia menunggu… Lalu ia pergi.", 2),
        ("Ia menunggu... dan menunggu.", 1),
    ],
    "quotes and brackets": [
        ('"Saya tidak tahu," katanya. "Kami siap."', 2),
        ('Ia mengkritik perokok." "APBNP harus diubah," ujarnya.', 2),
        ('"Apa?" tanya dia. "Ya!" jawabnya.', 2),
        ("“Kami siap.” Ia lalu pergi.", 2),
        ("Ia membunuh ayahnya (Maximian adalah ayahnya). Perang pun pecah.", 2),
        ("Jenderal TNI (Purn.) Luhut hadir.", 1),
        ("Apa kabar? Baik! Terima kasih.", 3),
    ],
    "datelines": [
        ("Samarkand (ANTARA) - Presiden China Xi Jinping bertemu Ilham Aliyev.", 1),
        ("JAKARTA, KOMPAS.com - Presiden Joko Widodo meresmikan jalan tol.", 1),
    ],
}


@pytest.mark.parametrize(
    "text,count", [case for cases in RULE_CASES.values() for case in cases], ids=lambda v: str(v)[:40]
)
def test_rule_classes(text, count):
    segments = texts(text)
    assert len(segments) == count, segments
    assert "".join(segments).replace(" ", "") == text.replace(" ", "")


def test_rule_class_splits_are_where_expected():
    assert texts("Laba PT Bank Mandiri Tbk. naik. PT Astra Tbk. Direksinya baru.") == [
        "Laba PT Bank Mandiri Tbk. naik.",
        "PT Astra Tbk.",
        "Direksinya baru.",
    ]
    assert texts('Ia mengkritik perokok." "APBNP harus diubah," ujarnya.') == [
        'Ia mengkritik perokok."',
        '"APBNP harus diubah," ujarnya.',
    ]


# --- user abbreviations ---------------------------------------------------------------------------


def test_extra_abbreviations_default_to_never_breaking():
    text = "Ia bertemu Kom. Budi di kantor."
    assert len(texts(text)) == 2
    assert texts(text, Segmenter(extra_abbreviations=["Kom."])) == [text]


def test_extra_abbreviation_with_a_class():
    text = "Ia membeli gula, kopi, sst. Lalu pulang."
    assert len(texts(text, Segmenter(extra_abbreviations=["sst. final"]))) == 2
    assert len(texts(text, Segmenter(extra_abbreviations=["sst. title"]))) == 1


def test_abbreviation_file(tmp_path):
    path = tmp_path / "abbr.txt"
    path.write_text("# singkatan kantor\nKom.\nPanit.\ttitle\n\n", encoding="utf-8")
    seg = Segmenter(abbrev_path=path)
    assert texts("Surat dari Panit. Budi dan Kom. Andi.", seg) == ["Surat dari Panit. Budi dan Kom. Andi."]


@pytest.mark.parametrize(
    "content,message",
    [
        ("Kom. nonsense\n", "unknown abbreviation class 'nonsense'"),
        ("Kom. title extra\n", "expected 'ABBREVIATION [CLASS]'"),
        (".\n", "bad abbreviation"),
    ],
)
def test_bad_abbreviation_file_is_one_line_error(tmp_path, content, message):
    path = tmp_path / "abbr.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SegmentationError, match=re.escape(message)) as info:
        Segmenter(abbrev_path=path)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(f"{path}:1:")


def test_missing_or_binary_abbreviation_file(tmp_path):
    with pytest.raises(SegmentationError, match="no such abbreviation file"):
        Segmenter(abbrev_path=tmp_path / "missing.txt")
    path = tmp_path / "bin.txt"
    path.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(SegmentationError, match="cannot read abbreviation file"):
        Segmenter(abbrev_path=path)
