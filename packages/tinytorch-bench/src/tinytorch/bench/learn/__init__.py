"""The course: the 19 modules and five milestones mapped onto this code (``tt modules``,
``tt module test``, ``tt milestones``).

Read next: ``curriculum.py``.
"""
