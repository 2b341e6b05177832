"""Training (培训管理): courses, sessions with attendance hours and exam results, the new hires' pre-post
training (at least 30 class hours and a passed exam before they may take tasks), the monthly and
quarterly training plan with its reminders, and each person's training history.

models: the ledger; rules: the pre-post rule and the plan; views: the screens; process: the plan's
link to its process (training_plan)."""
