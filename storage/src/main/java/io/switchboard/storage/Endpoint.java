package io.switchboard.storage;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/** Where a PostgreSQL database is and how to log in; {@link #toString()} leaves the password out. */
record Endpoint(String url, String user, String password) {

    /** A plain connection outside the pool, in auto-commit mode. */
    Connection connect(String applicationName) throws SQLException {
        Properties p = new Properties();
        if (!user.isEmpty()) {
            p.setProperty("user", user);
        }
        if (!password.isEmpty()) {
            p.setProperty("password", password);
        }
        p.setProperty("ApplicationName", applicationName);
        p.setProperty("connectTimeout", "10");
        p.setProperty("tcpKeepAlive", "true");
        return DriverManager.getConnection(url, p);
    }

    /** The URL without its query part, which may carry credentials. */
    String safeUrl() {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    @Override
    public String toString() {
        return "Endpoint[" + safeUrl() + ", user " + user + "]";
    }
}
