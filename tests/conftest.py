import pytest

from scraper.archive import Archive
from scraper.items import Article


@pytest.fixture
def archive_with_article(tmp_path) -> str:
    path = str(tmp_path / "archive.db")
    archive = Archive(path)
    archive.save(
        Article(
            url="https://ham.go.id/2022/09/14/x/",
            title="Judul",
            published_at="2022-09-14T09:00:00+07:00",
            body_html="<p>Teks.</p>",
            body_text="Teks.",
            source="html",
        )
    )
    archive.close()
    return path
