"""gunicorn's settings beyond the command line; gunicorn reads this file from the working
directory (the image's WORKDIR, the repository for ``make`` targets and the bench).

``limit_request_line``: a request line over gunicorn's limit is answered with gunicorn's own
HTML 414 page, which no API client expects. Every filter value is bounded by the API (see
``gaps.api.filters``: up to 50 values of up to 200 characters per parameter), but several
parameters together can still pass any fixed limit (schemathesis built a 9,395-byte line of
valid length per parameter), so the line is left to the API's own bounds: 0 is "unlimited".
Headers and bodies keep their limits (``DATA_UPLOAD_MAX_MEMORY_SIZE`` answers a JSON 413).
"""

limit_request_line = 0
