"""The public feedback form's records (意見反饋郵箱): read and handled by supervisors."""
