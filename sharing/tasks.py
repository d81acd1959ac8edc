"""Information governance's daily reminder of agreements due for review (procrastinate
discovers this module)."""

from procrastinate.contrib.django import app

from sharing.agreements import agreement_review_reminders_send


@app.periodic(cron="0 8 * * *", periodic_id="agreement-review-reminders")
@app.task(name="sharing.agreement_review_reminders", queueing_lock="sharing.agreement_reviews")
def agreement_review_reminders(timestamp: int) -> int:
    return agreement_review_reminders_send()
