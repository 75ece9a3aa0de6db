<?php
/*
 * Plugin Name: ham-archive test harness
 * Description: Keeps a test WordPress off the network and optionally locks the REST API.
 */

// Never talk to anything but loopback (update checks, remote block patterns, oEmbed, ...).
add_filter('pre_http_request', function ($pre, $args, $url) {
    $host = parse_url($url, PHP_URL_HOST);
    if (!in_array($host, ['127.0.0.1', 'localhost', '::1', '[::1]'], true)) {
        return new WP_Error('ham_test_offline', 'ham-archive test WordPress is offline: ' . $url);
    }
    return $pre;
}, 0, 3);
add_filter('should_load_remote_block_patterns', '__return_false');
add_filter('pre_wp_mail', '__return_false');
add_filter('automatic_updater_disabled', '__return_true');

// rest_locked=True: every anonymous REST request answers 401, as on sites that restrict the API.
// The lock can also be turned on at run time: update_option('ham_test_rest_locked', 1).
if ((defined('HAM_TEST_REST_LOCKED') && HAM_TEST_REST_LOCKED) || get_option('ham_test_rest_locked')) {
    add_filter('rest_authentication_errors', function ($result) {
        if (!empty($result)) {
            return $result;
        }
        if (!is_user_logged_in()) {
            return new WP_Error('rest_not_logged_in', 'Only authenticated users can access the REST API.', ['status' => 401]);
        }
        return $result;
    });
}

// update_option('ham_test_status', 503): every anonymous request answers that status, as a site
// in trouble does (for tests that a transient error is never taken for a deletion).
add_action('init', function () {
    $status = (int) get_option('ham_test_status');
    if ($status && !is_user_logged_in() && PHP_SAPI !== 'cli') {
        status_header($status);
        header('Retry-After: 0');
        echo 'Service unavailable (ham-archive test)';
        exit;
    }
}, 0);
