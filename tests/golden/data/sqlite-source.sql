CREATE TABLE users (name TEXT, uid INTEGER, home TEXT, note TEXT);
INSERT INTO users VALUES ('alice', 1001, '/home/alice', 'has ''quote''');
INSERT INTO users VALUES ('bob', 1002, '/home/bob', NULL);
INSERT INTO users VALUES ('carol', 1003, '/home/carol', '');
CREATE TABLE domains (domain TEXT PRIMARY KEY, owner TEXT);
INSERT INTO domains VALUES ('example.com', 'alice');
INSERT INTO domains VALUES ('example.org', 'bob');
