package io.jwsgi.config;

import java.nio.file.Path;

/**
 * {@code --service-script NAME PATH}: a supervised Python process without request threads.
 *
 * @param name    as given; shown in logs and the process name
 * @param script  absolute path of an existing file
 * @param user    {@code --service-user NAME USER}, else {@code --user}; null = do not change
 * @param group   {@code --service-group NAME GROUP}, else {@code --group}; null = do not change
 * @param logFile {@code --service-log-file NAME FILE}: absolute; null = the error log
 */
public record ServiceScript(String name, Path script, String user, String group, Path logFile) {}
