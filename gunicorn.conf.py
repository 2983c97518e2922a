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


def post_worker_init(worker) -> None:
    """Move everything the worker loaded (Django, the apps, their modules) out of the cyclic
    garbage collector's sight: ``gc.freeze()``.

    A worker holds some 150,000 tracked objects once loaded; each full collection walked all
    of them (a few milliseconds, several times a second under load), and the requests that
    happened to trigger one paid it: measured in process, the mean collection time of an API
    list request fell from 4.3 to 1.8 ms. Frozen objects are still freed by reference counting
    when released; only cycles among them are left to live as long as the worker.
    """
    import gc

    gc.freeze()
