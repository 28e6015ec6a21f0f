"""The list of import batches: newest first, with their flagged rows count; every desk's for
administrators, their own desks' for the desk staff who resolve the flagged rows."""

from __future__ import annotations

from tests.imports.conftest import csv_file


async def test_batches_are_listed_newest_first_with_flagged_rows(client, admin, upload, make_staff) -> None:
    first = await upload(csv_file("1;12/03/2020;Saliou;Ka;M;14/05/1990;Dakar;Dakar;;;;;Casablanca;Etudiant;;;;"))
    assert first.status_code == 201, first.text
    second = await upload(
        csv_file(
            "1;12/03/2020;Mame;Gueye;F;02/01/1988;Thiès;Thiès;;;;;Casablanca;Salariée;;;;",
            "2;15/03/2020;Mame;Gueye;F;02/01/1988;Thiès;Thiès;;;;;Casablanca;Salariée;;;;",
        ),
        filename="registre-2020.csv",
    )
    assert second.status_code == 201, second.text
    response = await client.get("/api/v1/imports", headers=admin.headers)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [b["id"] for b in items] == [second.json()["batch_id"], first.json()["batch_id"]]
    newest = items[0]
    assert (newest["desk_code"], newest["filename"], newest["flagged_rows"]) == ("CASA-BASE", "registre-2020.csv", 1)
    assert newest["counts"]["total"] == 2
    assert items[1]["flagged_rows"] == 0
    paged = await client.get("/api/v1/imports", params={"limit": 1}, headers=admin.headers)
    assert [b["id"] for b in paged.json()["items"]] == [second.json()["batch_id"]]
    following = await client.get(
        "/api/v1/imports", params={"limit": 1, "cursor": paged.json()["next_cursor"]}, headers=admin.headers
    )
    assert [b["id"] for b in following.json()["items"]] == [first.json()["batch_id"]]
    assert (await client.get("/api/v1/imports", params={"cursor": "nope"}, headers=admin.headers)).status_code == 400


async def test_desk_staff_see_the_batches_of_their_own_desks_only(client, upload, make_staff) -> None:
    batch = await upload(csv_file("1;12/03/2020;Saliou;Ka;M;14/05/1990;Dakar;Dakar;;;;;Casablanca;Etudiant;;;;"))
    assert batch.status_code == 201, batch.text
    for role in ("agent", "supervisor"):
        here = await make_staff(role, ["CASA-BASE"])
        listed = await client.get("/api/v1/imports", headers=here.headers)
        assert listed.status_code == 200, listed.text
        assert [b["id"] for b in listed.json()["items"]] == [batch.json()["batch_id"]]
        elsewhere = await make_staff(role, ["DKR-MOB"])
        assert (await client.get("/api/v1/imports", headers=elsewhere.headers)).json()["items"] == []
    auditor = await make_staff("auditor", [])
    assert (await client.get("/api/v1/imports", headers=auditor.headers)).status_code == 403


async def test_a_rerun_lists_as_flagged_only_the_rows_its_batch_holds_flagged(client, admin, upload) -> None:
    """A file imported again: the rows held by the first batch come out ``already_flagged`` in the
    second, which holds none to resolve (they are resolved in the first). The list's
    ``flagged_rows``, the report's ``counts.flagged`` and the batch's flagged rows agree, for both."""
    rows = [
        "1;12/03/2020;Mame;Gueye;F;02/01/1988;Thiès;Thiès;;;;;Casablanca;Salariée;;;;",
        "2;15/03/2020;Mame;Gueye;F;02/01/1988;Thiès;Thiès;;;;;Casablanca;Salariée;;;;",
        "3;16/03/2020;Saliou;Ka;M;14/05/1990;Dakar;Dakar;;;;;Casablanca;Etudiant;;;;",
    ]
    first = await upload(csv_file(*rows))
    assert first.status_code == 201, first.text
    again = await upload(csv_file(*rows))
    assert again.status_code == 201, again.text
    counts = again.json()["counts"]
    assert (counts["flagged"], counts["already_flagged"], counts["pending"]) == (0, 1, 0)
    listed = {b["id"]: b for b in (await client.get("/api/v1/imports", headers=admin.headers)).json()["items"]}
    for report, flagged in ((first.json(), 1), (again.json(), 0)):
        batch_id = report["batch_id"]
        shown = (await client.get(f"/api/v1/imports/{batch_id}", headers=admin.headers)).json()
        held = (await client.get(f"/api/v1/imports/{batch_id}/flagged", headers=admin.headers)).json()["items"]
        assert listed[batch_id]["flagged_rows"] == shown["counts"]["flagged"] == len(held) == flagged
        assert listed[batch_id]["counts"] == shown["counts"]
