-- One database per service; each service runs its own migrations on start.
CREATE DATABASE yishi_identity;
CREATE DATABASE yishi_proposals;
CREATE DATABASE yishi_voting;
CREATE DATABASE yishi_ledger;
