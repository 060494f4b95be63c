"""The job page's grouping of the outputs: Word tables, a figure's formats together, a table's
other formats together, the rest."""

from __future__ import annotations


def test_outputs_are_grouped_by_kind_and_stem():
    from rtdelay.web._job_files import describe_outputs

    names = [
        "cohort_included.csv",
        "figures/fig2.pdf",
        "figures/fig2.png",
        "figures/fig2.svg",
        "figures/flow.png",
        "report.html",
        "results.json",
        "tables/table1.csv",
        "tables/table1.docx",
        "tables/table1.html",
        "tables/table1.md",
        "tables/table2.docx",
    ]
    groups = describe_outputs(names)
    assert groups["tables"] == ["tables/table1.docx", "tables/table2.docx"]
    assert groups["figures"] == [
        (
            "fig2",
            [("PDF", "figures/fig2.pdf"), ("PNG", "figures/fig2.png"), ("SVG", "figures/fig2.svg")],
        ),
        ("flow", [("PNG", "figures/flow.png")]),
    ]
    assert groups["table_formats"] == [
        (
            "table1",
            [
                ("CSV", "tables/table1.csv"),
                ("HTML", "tables/table1.html"),
                ("MD", "tables/table1.md"),
            ],
        )
    ]
    assert groups["other"] == ["cohort_included.csv", "report.html", "results.json"]
    listed = [n for _, f in groups["figures"] + groups["table_formats"] for _, n in f]
    assert sorted(listed + groups["tables"] + groups["other"]) == sorted(names)
