"""Signals through which ``verification`` takes part in the workflow without ``assessment`` importing it (SPEC §0).

- ``case_transitioned`` (sender ``AdjustmentCase``; ``case``, ``transition``): sent inside the transaction of every
  move. Entering 部门复核 makes verification create the case's tasks (and move the case on at once when no
  department needs to check anything); leaving it any other way (returned, withdrawn) cancels the open tasks.
- ``case_panels`` (``case``, ``user``): receivers return ``(title, html)`` panels for the case page.
- ``dashboard_counts`` (``campaign``, ``scope_code``, ``today``): receivers return
  ``{"label": str, "villages": {village_code: count}}`` columns for the dashboard (overdue tasks).
"""

from django.dispatch import Signal

case_transitioned = Signal()
case_panels = Signal()
dashboard_counts = Signal()
