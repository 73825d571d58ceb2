"""One photo: process, decide, verify, finish; and the review decisions."""
