from regions.models import Kecamatan, Village


def test_all_25_kecamatan_and_217_villages_are_loaded(db):
    assert Kecamatan.objects.count() == 25
    assert Village.objects.count() == 217
    assert Village.objects.filter(kind=Village.Kind.DESA).count() == 189
    assert Village.objects.filter(kind=Village.Kind.KELURAHAN).count() == 28


def test_villages_hang_under_the_kecamatan_of_their_code(db):
    for village in Village.objects.select_related("kecamatan"):
        assert village.code.startswith(village.kecamatan.code + ".")
    assert Kecamatan.objects.get(code="35.10.09").name == "Genteng"
    assert Kecamatan.objects.get(code="35.10.05").name == "Muncar"
    # A kelurahan's last segment starts with 1, a desa's with 2 (Kepmendagri 2025).
    for village in Village.objects.all():
        assert village.code.rsplit(".", 1)[1][0] == ("1" if village.kind == "kelurahan" else "2")


def test_the_officials_home_links_each_role_to_its_work(client, db):
    from tests.factories import make_official

    links = {
        "data_officer": ["/petugas/registri/", "/petugas/impor/", "/petugas/impor/baru/"],
        "reviewer": ["/petugas/registri/", "/petugas/impor/baru/"],
        "health_inspector": [],
    }
    for role, expected in links.items():
        client.force_login(
            make_official(role, kecamatan=("35.10.09",) if role == "reviewer" else ())
        )
        html = client.get("/petugas/").content.decode()
        for href in ["/petugas/registri/", "/petugas/impor/", "/petugas/impor/baru/"]:
            assert (f'href="{href}"' in html) == (href in expected), (role, href)
