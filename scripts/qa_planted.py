#!/usr/bin/env python3
"""Write tests/data/qa/planted.jsonl: pairs with planted defects, one class per QA check (issue 17).

Each line is ``{"source", "target", "defects": [checks], "set": "pair"|"memory", "what"}``.
Defects are planted by hand into the example article's reference pairs (a date swapped, a term
replaced, a word doubled, ...) or written as new Indonesian/English pairs where the article has
nothing of the kind (amounts in rupiah, placeholders, URLs). ``defects`` lists what was planted;
``[]`` marks a clean pair, which must raise nothing. The ``memory`` set holds the consistency
cases: they are checked as one memory with the article's clean pairs, the ``pair`` set pair by
pair (a mutated copy of an article pair would otherwise be "inconsistent" with its original).

Run from the repository root: ``python scripts/qa_planted.py`` (deterministic output).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

OUT = REPO / "tests" / "data" / "qa" / "planted.jsonl"


def article_pairs() -> list[tuple[str, str]]:
    from tmtool.segment import segment_text

    src = (REPO / "examples" / "antara-2022-09-15-xi-aliyev.id.txt").read_text(encoding="utf-8")
    ref = (REPO / "examples" / "antara-2022-09-15-xi-aliyev.en.sentences.txt").read_text(encoding="utf-8")
    return list(zip([s.text for s in segment_text(src)], ref.splitlines()))


def replaced(text: str, old: str, new: str) -> str:
    assert old in text, (old, text)
    return text.replace(old, new, 1)


def build() -> list[dict]:
    A = article_pairs()
    rows: list[dict] = []

    def add(source, target, defects, what, kind="pair"):
        rows.append({"source": source, "target": target, "defects": defects, "set": kind, "what": what})

    for s, t in A:
        add(s, t, [], "the example article with its reference translation")
    # -- empty (whitespace counts as empty)
    for i in range(10):
        add(A[i][0], "" if i % 2 == 0 else "  ", ["empty"], "target left empty")
    # -- identical: the source copied over
    for i in range(10):
        add(A[i][0], A[i][0], ["identical"], "source copied into the target")
    # -- untranslated: the model translated the first words and left the rest in Indonesian
    for i in (1, 2, 3, 4, 5, 7, 9, 10, 11, 13):
        s, t = A[i]
        add(s, " ".join(t.split()[:3] + s.split()[3:]), ["untranslated"], "the target is mostly Indonesian")
    # -- length: far too short or far too long (sentences without figures or terms at stake)
    for i in (4, 5, 9, 16):
        add(A[i][0], " ".join(A[i][1].split()[:3]) + ".", ["length"], "the target was cut short")
    for i in (2, 3, 6, 7, 8, 10):
        add(A[i][0], " ".join([A[i][1]] * 4), ["length"], "the target repeats itself")
    # -- numbers, dates, times, currencies
    add(A[0][0], replaced(A[0][1], "(15/9)", "(9/15)"), ["numbers"], "day and month swapped")
    add(A[1][0], replaced(A[1][1], "30th", "13th"), ["numbers"], "a figure changed")
    add(A[13][0], replaced(A[13][1], "30th", "20th"), ["numbers"], "a figure changed")
    add(A[12][0], replaced(A[12][1], "COVID-19", "COVID"), ["numbers"], "a figure dropped")
    add(A[19][0], replaced(A[19][1], "2022", "2021"), ["numbers"], "a year changed")
    numeric = [
        ("Nilai ekspor mencapai Rp1.500.000,00 per ton.", "Exports reached Rp1,500,000.00 per ton.",
         "Exports reached Rp1.500.000,00 per ton."),
        ("Inflasi tahunan tercatat 5,2 persen pada Agustus.", "Annual inflation stood at 5.2 percent in August.",
         "Annual inflation stood at 5,2 percent in August."),
        ("Pemerintah mengalokasikan Rp 3,5 triliun untuk program itu.",
         "The government allocated Rp3.5 trillion to the programme.",
         "The government allocated 3.5 trillion to the programme."),
        ("Pertemuan dimulai pukul 19.00 WIB.", "The meeting began at 7 p.m. Western Indonesia Time.",
         "The meeting began at 9 p.m. Western Indonesia Time."),
        ("Sebanyak 1.250 peserta hadir dalam acara tersebut.", "A total of 1,250 participants attended the event.",
         "A total of 125 participants attended the event."),
        ("Harga minyak naik 3 persen menjadi 85 dolar AS per barel.",
         "Oil prices rose 3 percent to 85 US dollars per barrel.",
         "Oil prices rose 3 percent to 58 US dollars per barrel."),
        ("Jumlah penduduk mencapai 275 juta jiwa.", "The population reached 275 million.",
         "The population reached 27.5 million."),
    ]
    for source, good, bad in numeric:
        add(source, good, [], "figures written the English way")
        add(source, bad, ["numbers"], "a figure changed, its currency lost or written the Indonesian way")
    for source, good in (
        ("Kedua negara menandatangani 2 nota kesepahaman pada Jumat (16/9).",
         "The two countries signed two memorandums of understanding on Friday (16/9)."),
        ("Pertumbuhan ekonomi diperkirakan 5,3 persen pada 2023.", "Economic growth is forecast at 5.3 percent in 2023."),
        ("Proyek senilai 1,2 miliar dolar AS itu selesai pada 15 September 2022.",
         "The 1.2 billion US dollar project was completed on September 15, 2022."),
        ("Pendapatan negara mencapai Rp2.626,4 triliun.", "State revenue reached Rp2,626.4 trillion."),
    ):
        add(source, good, [], "figures written the English way")
    # -- inline tags and placeholders
    tags = [
        ("Klik <b>Simpan</b> untuk menyimpan berkas.", "Click <b>Save</b> to save the file.", "Click Save to save the file."),
        ("Halo {0}, Anda memiliki {1} pesan baru.", "Hello {0}, you have {1} new messages.",
         "Hello {0}, you have new messages."),
        ("Berkas %s tidak dapat dibuka.", "The file %s could not be opened.", "The file could not be opened."),
        ("Tekan <kbd>Enter</kbd> lalu tunggu.", "Press <kbd>Enter</kbd> and wait.", "Press Enter and wait."),
        ("Unduh {filename} dari server.", "Download {filename} from the server.", "Download {file_name} from the server."),
        ("Terdapat %d kesalahan dalam %s.", "There are %d errors in %s.", "There are errors in %s."),
        ('Lihat <a href="x.html">panduan</a> ini.', 'See this <a href="x.html">guide</a>.', "See this guide."),
        ("Pindahkan {0} ke {1}.", "Move {0} to {1}.", "Move {1} to {0}."),
        ("Sisa kuota: %1$s dari %2$s.", "Remaining quota: %1$s of %2$s.", "Remaining quota: %1$s of %2$s of %3$s."),
        ("Nama <i>pengguna</i> wajib <b>diisi</b>.", "The <i>user</i> name must be <b>filled in</b>.",
         "The <b>user</b> name must be <i>filled in</i>."),
    ]
    for source, good, bad in tags:
        add(source, good, [], "tags and placeholders kept")
        add(source, bad, ["tags"], "a tag or placeholder lost, added or moved")
    # -- terminology (tests/data/qa/glossary-id-en.tbx)
    for i, old, new in (
        (0, "Chinese President Xi Jinping met with Azerbaijani President", "Chinese leader Xi Jinping met with Azerbaijani leader"),
        (1, "diplomatic relations", "diplomatic ties"),
        (6, "Global Development Initiative (GDI)", "Global Growth Initiative (GDI)"),
        (8, "Belt and Road", "Silk Road"),
        (10, "Shanghai Cooperation Organization", "Shanghai Cooperation Organisation"),
        (11, "strategic partners", "strategic allies"),
        (12, "COVID-19 vaccines", "COVID-19 jabs"),
        (14, "national sovereignty", "national independence"),
        (7, "supply chains", "supply networks"),
        (15, "in Belt and Road cooperation", "in One Belt One Road cooperation"),
        (3, "mutually beneficial cooperation and pursue stable, in-depth and practical cooperation",
         "mutually beneficial collaboration and pursue stable, in-depth and practical collaboration"),
    ):
        add(A[i][0], replaced(A[i][1], old, new), ["terminology"], "a glossary term not used, or a forbidden one")
    # -- brackets and quotes
    for i, old, new in ((0, "(15/9),", "(15/9,"), (6, "(GDI)", "(GDI"), (10, "(SCO)", "SCO)"),
                        (1, "30th anniversary", "30th anniversary)"),
                        (16, "the meeting.", "the meeting (in Samarkand."),
                        (12, "vaccines, which", "vaccines (which")):
        add(A[i][0], replaced(A[i][1], old, new), ["brackets"], "a bracket without its partner")
    for source, good, bad in (
        ('Ia berkata, "Kami siap membantu."', 'He said, "We are ready to help."', 'He said, "We are ready to help.'),
        ("Menurut laporan itu (yang dirilis Senin), ekspor meningkat.",
         "According to the report (released on Monday), exports rose.",
         "According to the report (released on Monday, exports rose."),
        ("Program itu [tahap kedua] dimulai tahun depan.", "The programme [second phase] starts next year.",
         "The programme [second phase starts next year."),
        ("Ia menyebut kebijakan itu “langkah maju”.", "He called the policy “a step forward”.",
         "He called the policy “a step forward."),
    ):
        add(source, good, [], "brackets and quotes balanced")
        add(source, bad, ["brackets"], "a bracket or quote without its partner")
    # -- spaces
    for i, old, new in ((2, "the development path", "the development  path"), (4, "changes.", "changes. "),
                        (5, "The more", " The more"), (9, "countries.", "countries ."),
                        (11, "true strategic", "true  strategic"), (13, "fields.", "fields.  "),
                        (14, "sovereignty, security", "sovereignty , security"), (16, "Ding", "  Ding"),
                        (17, "Translator: Xinhua", "Translator:  Xinhua"), (18, "Ahdiat", "Ahdiat ")):
        add(A[i][0], replaced(A[i][1], old, new), ["spaces"], "a space too many")
    # -- repeated words
    for i, old, new in ((1, "marks the", "marks the the"), (2, "development path", "development development path"),
                        (3, "view and plan", "view and and plan"), (4, "stressed", "stressed stressed"),
                        (5, "need for", "need for for"), (7, "also expand", "also also expand"),
                        (11, "true strategic", "true true strategic"), (14, "firmly opposes", "firmly firmly opposes"),
                        (16, "attended the", "attended the the"), (12, "always championed", "always always championed")):
        add(A[i][0], replaced(A[i][1], old, new), ["repeated"], "a word doubled")
    # -- URLs and e-mail addresses
    urls = [
        ("Informasi lengkap tersedia di https://www.antaranews.com/berita/3117137.",
         "Full information is available at https://www.antaranews.com/berita/3117137.",
         "Full information is available on the ANTARA website."),
        ("Hubungi humas@kemlu.go.id untuk keterangan lebih lanjut.",
         "Contact humas@kemlu.go.id for further information.", "Contact the press office for further information."),
        ("Pendaftaran dibuka melalui www.bps.go.id mulai hari ini.", "Registration opens at www.bps.go.id today.",
         "Registration opens at www.bps.go.id/en today."),
        ("Laporan dapat diunduh di https://data.go.id/laporan.pdf.",
         "The report can be downloaded at https://data.go.id/laporan.pdf.",
         "The report can be downloaded at https://data.go.id/report.pdf."),
        ("Kirim pertanyaan ke info@antaranews.com.", "Send questions to info@antaranews.com.",
         "Send questions to info@antaranews.co."),
        ("Situs resmi KTT adalah https://sco2022.uz.", "The summit's official website is https://sco2022.uz.",
         "The summit's official website is https://sco2022.uz and https://sco.int."),
        ("Dokumen tersedia di https://kemlu.go.id/portal/id.", "The document is available at https://kemlu.go.id/portal/id.",
         "The document is available at https://kemlu.go.id/portal/en."),
        ("Surel dapat dikirim ke redaksi@antaranews.com atau melalui situs web.",
         "E-mails can be sent to redaksi@antaranews.com or through the website.",
         "E-mails can be sent to the newsroom or through the website."),
        ("Simak siaran langsung di http://tv.antaranews.com/live.", "Watch the live broadcast at http://tv.antaranews.com/live.",
         "Watch the live broadcast on ANTARA TV."),
        ("Data berasal dari https://www.bi.go.id/id/statistik.", "The data come from https://www.bi.go.id/id/statistik.",
         "The data come from Bank Indonesia's statistics page."),
    ]
    for source, good, bad in urls:
        add(source, good, [], "URL or e-mail address kept")
        add(source, bad, ["urls"], "a URL or e-mail address lost or changed")
    # -- consistency across the memory: one source, two targets; one target, two sources
    for a, b in (
        (("Kedua pemimpin membahas kerja sama ekonomi.", "The two leaders discussed economic cooperation."),
         ("Kedua pemimpin membahas kerja sama ekonomi.", "Both leaders talked about economic cooperation.")),
        (("Pertemuan berlangsung tertutup.", "The meeting was held behind closed doors."),
         ("Pertemuan berlangsung tertutup.", "The meeting was closed to the press.")),
        (("Ia tiba di Samarkand pada Rabu.", "He arrived in Samarkand on Wednesday."),
         ("Ia tiba di Samarkand hari Rabu.", "He arrived in Samarkand on Wednesday.")),
        (("Delegasi China disambut hangat.", "The Chinese delegation was warmly welcomed."),
         ("Delegasi Tiongkok disambut hangat.", "The Chinese delegation was warmly welcomed.")),
        (("Kunjungan itu berakhir Jumat.", "The visit ended on Friday."),
         ("Kunjungan itu berakhir Jumat.", "The visit ends on Friday.")),
    ):
        add(*a, ["consistency"], "translated two ways, or one translation for two sources", "memory")
        add(*b, ["consistency"], "translated two ways, or one translation for two sources", "memory")
    return rows


def main() -> None:
    rows = build()
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{OUT.relative_to(REPO)}: {len(rows)} pairs")


if __name__ == "__main__":
    main()
