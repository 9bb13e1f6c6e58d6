package io.jwsgi.config;

import java.nio.file.Path;

/**
 * {@code --service-script NAME PATH}: a supervised Python process without request threads.
 *
 * @param name   as given; shown in logs and the process name
 * @param script absolute path of an existing file
 */
public record ServiceScript(String name, Path script) {}
