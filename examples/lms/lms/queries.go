package lms

// The application's SQL, in one place. Tables are unqualified: every
// statement runs in a transaction whose search_path is the tenant's schema.

// Borrowers.
const (
	borrowerColumns = "id, name, email, phone, national_id, created_by, created_at, updated_at"

	listBorrowersSQL  = "SELECT " + borrowerColumns + " FROM borrowers ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2"
	countBorrowersSQL = "SELECT count(*) FROM borrowers"
	getBorrowerSQL    = "SELECT " + borrowerColumns + " FROM borrowers WHERE id = $1"
	lockBorrowerSQL   = getBorrowerSQL + " FOR UPDATE"
	insertBorrowerSQL = "INSERT INTO borrowers (name, email, phone, national_id, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING " + borrowerColumns
	updateBorrowerSQL = "UPDATE borrowers SET name = $2, email = $3, phone = $4, national_id = $5, updated_at = now() WHERE id = $1 RETURNING " + borrowerColumns
	deleteBorrowerSQL = "DELETE FROM borrowers WHERE id = $1 RETURNING id"

	// loadBorrowerSQL adds a borrower unless one with the same national
	// id, or without one and with the same name and email, is there; it
	// answers no row when it adds nothing.
	loadBorrowerSQL = `INSERT INTO borrowers (name, email, phone, national_id)
		SELECT $1::text, $2::text, $3::text, $4::text WHERE NOT EXISTS (SELECT FROM borrowers
			WHERE national_id = $4 OR ($4 IS NULL AND national_id IS NULL AND name = $1 AND email IS NOT DISTINCT FROM $2))
		RETURNING id`
)

// Loans. Reads go through a CTE named l joined to the borrower's name.
const (
	loanColumns = "l.id, l.borrower_id, b.name, l.principal, l.currency, l.interest_rate_bps, l.term_months, " +
		"l.total_due, l.paid, l.status, l.officer_id, l.approved_by, l.approved_at, l.disbursed_at, l.closed_at, l.created_at, l.updated_at"
	withBorrower = " FROM l JOIN borrowers b ON b.id = l.borrower_id"
	loanFilter   = " WHERE ($1::text IS NULL OR status = $1) AND ($2::bigint IS NULL OR borrower_id = $2)"

	listLoansSQL = "WITH l AS (SELECT * FROM loans" + loanFilter + " ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4) " +
		"SELECT " + loanColumns + withBorrower + " ORDER BY l.created_at DESC, l.id DESC"
	countLoansSQL = "SELECT count(*) FROM loans" + loanFilter
	getLoanSQL    = "WITH l AS (SELECT * FROM loans WHERE id = $1) SELECT " + loanColumns + withBorrower
	insertLoanSQL = "WITH l AS (INSERT INTO loans (borrower_id, principal, currency, interest_rate_bps, term_months, officer_id) " +
		"VALUES ($1, $2, $3, $4, $5, $6) RETURNING *) SELECT " + loanColumns + withBorrower
	// lockLoanSQL reads what the rules of a change or a payment need,
	// holding the loan until the transaction ends.
	lockLoanSQL = "SELECT status, principal, currency, total_due, paid, disbursed_at FROM loans WHERE id = $1 FOR UPDATE"

	updateLoanTermsSQL = `UPDATE loans SET principal = coalesce($2, principal), currency = coalesce($3, currency),
		interest_rate_bps = coalesce($4, interest_rate_bps), term_months = coalesce($5, term_months), updated_at = now()
		WHERE id = $1`
	// moveLoanSQL sets status $2, as user $3, stamping what the move
	// means: approval (cleared again by a return to draft), disbursement,
	// closing.
	moveLoanSQL = `UPDATE loans SET status = $2,
		approved_by  = CASE $2 WHEN 'approved' THEN $3 WHEN 'draft' THEN NULL ELSE approved_by END,
		approved_at  = CASE $2 WHEN 'approved' THEN now() WHEN 'draft' THEN NULL ELSE approved_at END,
		disbursed_at = CASE $2 WHEN 'disbursed' THEN now() ELSE disbursed_at END,
		closed_at    = CASE $2 WHEN 'closed' THEN now() ELSE closed_at END,
		updated_at   = now()
		WHERE id = $1`
)

// Payments.
const (
	paymentColumns = "id, loan_id, amount, currency, paid_at, recorded_by, created_at"

	listPaymentsSQL  = "SELECT " + paymentColumns + " FROM payments WHERE loan_id = $1 ORDER BY paid_at DESC, id DESC LIMIT $2 OFFSET $3"
	countPaymentsSQL = "SELECT count(*) FROM payments WHERE loan_id = $1"
	loanExistsSQL    = "SELECT EXISTS (SELECT FROM loans WHERE id = $1)"
	// recordPaymentSQL adds payment $2 $3 to loan $1 and counts it as paid,
	// closing the loan when nothing is left to pay.
	recordPaymentSQL = `WITH p AS (INSERT INTO payments (loan_id, amount, currency, paid_at, recorded_by)
			VALUES ($1, $2, $3, coalesce($4, now()), $5) RETURNING *),
		l AS (UPDATE loans SET paid = paid + $2,
			status = CASE WHEN paid + $2 = total_due THEN 'closed' ELSE status END,
			closed_at = CASE WHEN paid + $2 = total_due THEN now() ELSE closed_at END,
			updated_at = now()
			WHERE id = $1)
		SELECT ` + paymentColumns + ` FROM p`
)

// overdueSQL lists the disbursed loans in arrears at $1: a loan is repaid
// in term_months equal instalments, one due at the end of each month after
// its disbursement, and is in arrears when less than the instalments due
// so far has been paid. Worst first.
const overdueSQL = `WITH d AS (
		SELECT l.id, b.name, l.currency, l.total_due, l.paid, l.term_months,
			least(l.term_months, (extract(year FROM age($1::timestamptz, l.disbursed_at)) * 12
				+ extract(month FROM age($1::timestamptz, l.disbursed_at)))::int) AS months_due
		FROM loans l JOIN borrowers b ON b.id = l.borrower_id
		WHERE l.status = 'disbursed' AND l.disbursed_at <= $1),
	a AS (SELECT *, total_due * months_due / term_months - paid AS arrears FROM d)
	SELECT id, name, currency, total_due - paid, months_due, term_months, arrears FROM a
	WHERE arrears > 0 ORDER BY arrears DESC, id`
