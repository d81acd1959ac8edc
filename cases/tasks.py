"""The panels' and cases' daily jobs (procrastinate discovers this module)."""

from procrastinate.contrib.django import app

from cases.reminders import agenda_reminders_send, work_due_digest_send


@app.periodic(cron="0 7 * * *", periodic_id="agenda-reminders")
@app.task(name="cases.agenda_reminders", queueing_lock="cases.agenda_reminders")
def agenda_reminders(timestamp: int) -> int:
    return agenda_reminders_send()


@app.periodic(cron="30 7 * * *", periodic_id="work-due-digest")
@app.task(name="cases.work_due_digest", queueing_lock="cases.work_due_digest")
def work_due_digest(timestamp: int) -> int:
    return work_due_digest_send()
