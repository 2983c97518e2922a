"""gunicorn's settings beyond the command line; gunicorn reads this file from the working
directory (the image's WORKDIR, the repository for ``make`` targets and the bench).

``limit_request_line``: a request line over gunicorn's default 4,094 bytes was answered with
gunicorn's own HTML 414 page, which no API client expects (every filter value is bounded by the
API, see ``gaps.api.filters``, and a list filter takes up to 50 values). 8,190 is gunicorn's
maximum short of "unlimited".
"""

limit_request_line = 8190
