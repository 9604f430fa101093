"""Authorization-code push backends (see ``identity.push``)."""
