"""Pages of the disclosure app: the public application and tracking pages (``public``) and the
staff back office at /manage/disclosure/ (``staff``). Views are thin: parse a form, call one
service or selector, render; a ``GgzyError`` goes back on the page with its HTTP status."""
