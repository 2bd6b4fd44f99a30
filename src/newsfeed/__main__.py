from newsfeed.cli import app

app()
