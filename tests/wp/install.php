<?php
/*
 * Non-interactive WordPress install for the ham-archive test harness.
 * argv: title locale theme timezone
 */
define('WP_INSTALLING', true);
[$_, $title, $locale, $theme, $timezone] = $argv;
require __DIR__ . '/bootstrap.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/translation-install.php';

$t0 = microtime(true);
if ($locale !== 'en_US') {
    // What wp-admin/install.php does after downloading a language pack: translated default
    // options (date_format, default category name, ...) come from the loaded locale.
    if (!load_default_textdomain($locale)) {
        fwrite(STDERR, "language $locale not found in " . WP_LANG_DIR . "\n");
        exit(2);
    }
    $GLOBALS['wp_locale'] = new WP_Locale();
}
$result = wp_install($title, 'admin', 'admin@example.invalid', 1, '', 'password', $locale === 'en_US' ? '' : $locale);

update_option('WPLANG', $locale === 'en_US' ? '' : $locale);
update_option('blog_public', 1);
update_option('timezone_string', $timezone);
update_option('gmt_offset', '');
update_option('siteurl', WP_SITEURL);
update_option('home', WP_HOME);
update_option('blogdescription', 'Direktorat Jenderal Hak Asasi Manusia');

echo json_encode(['user_id' => $result['user_id'], 'seconds' => microtime(true) - $t0,
    'locale' => get_locale(), 'date_format' => get_option('date_format')]), "\n";
