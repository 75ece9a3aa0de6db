<?php
/*
 * Loads WordPress for a PHP CLI script of the ham-archive test harness.
 * Environment: HAM_WP_CONFIG (config name), HAM_WP_HOST ("127.0.0.1:PORT").
 * Define HAM_WP_NO_LOAD before including to only set up $_SERVER.
 */
$_SERVER['WORDPRESS_CONFIG'] = getenv('HAM_WP_CONFIG');
$_SERVER['HTTP_HOST'] = getenv('HAM_WP_HOST') ?: '127.0.0.1';
$_SERVER['SERVER_NAME'] = '127.0.0.1';
$_SERVER['SERVER_PORT'] = '80';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['PHP_SELF'] = '/index.php';
if (!defined('HAM_WP_NO_LOAD')) {
    require '/usr/share/wordpress/wp-load.php';
    if (get_option('siteurl')) {
        wp_set_current_user(1); // admin: unfiltered_html, so content is stored as given
    }
}
