-- Identification bulletins (klipp bulletin): which entries of a case were
-- published, where the PDF went and its hash, so that case show lists them.
CREATE TABLE bulletins (
    case_number TEXT    NOT NULL,
    file        TEXT    NOT NULL,   -- absolute path of the PDF
    sha256      TEXT    NOT NULL,
    entries     TEXT    NOT NULL,   -- the entries' numbers in time order, "3,5"
    made_by     TEXT    NOT NULL,
    created_ns  INTEGER NOT NULL,
    PRIMARY KEY (case_number, file, sha256)
);
