<?php
/*
 * Bulk post loader for the ham-archive test harness: reads a JSON list of post dicts on stdin,
 * prints a JSON list of post ids (same order) on stdout.
 * Keys used: title, content, date (local "Y-m-d H:i:s"), status, categories (names), tags (names),
 * author (login), author_name (display name), slug (optional), post_type (default "post"),
 * modified (optional, local time; forced after insert). The guid is set to home/?p=ID.
 */
define('WP_IMPORTING', true);
require __DIR__ . '/bootstrap.php';

$posts = json_decode(stream_get_contents(STDIN), true);
if (!is_array($posts)) {
    fwrite(STDERR, "expected a JSON list on stdin\n");
    exit(2);
}
global $wpdb;
wp_defer_term_counting(true);
wp_defer_comment_counting(true);
$wpdb->query('START TRANSACTION');

$users = [];
$cats = [];
function ham_user_id($login, $name) {
    global $users;
    if (isset($users[$login])) {
        return $users[$login];
    }
    $id = username_exists($login);
    if (!$id) {
        $id = wp_insert_user([
            'user_login' => $login,
            'user_pass' => wp_generate_password(20),
            'user_email' => preg_replace('/[^a-z0-9]+/', '.', strtolower($login)) . '@example.invalid',
            'display_name' => $name ?: $login,
            'nickname' => $name ?: $login,
            'role' => 'author',
        ]);
        if (is_wp_error($id)) {
            fwrite(STDERR, 'user ' . $login . ': ' . $id->get_error_message() . "\n");
            exit(3);
        }
    }
    return $users[$login] = $id;
}
function ham_cat_id($name) {
    global $cats;
    if (isset($cats[$name])) {
        return $cats[$name];
    }
    $term = term_exists($name, 'category');
    if (!$term) {
        $term = wp_insert_term($name, 'category');
        if (is_wp_error($term)) {
            fwrite(STDERR, 'category ' . $name . ': ' . $term->get_error_message() . "\n");
            exit(3);
        }
    }
    return $cats[$name] = (int) $term['term_id'];
}

$ids = [];
foreach ($posts as $i => $p) {
    $type = $p['post_type'] ?? 'post';
    $arr = [
        'post_type' => $type,
        'post_title' => $p['title'] ?? '',
        'post_content' => $p['content'] ?? '',
        'post_status' => $p['status'] ?? 'publish',
        'post_author' => ham_user_id($p['author'] ?? 'admin', $p['author_name'] ?? ''),
        'comment_status' => $p['comment_status'] ?? ($type === 'post' ? 'open' : 'closed'),
    ];
    if (!empty($p['date'])) {
        $arr['post_date'] = $p['date'];
        $arr['post_date_gmt'] = get_gmt_from_date($p['date']);
    }
    if (!empty($p['slug'])) {
        $arr['post_name'] = $p['slug'];
    }
    if ($type === 'post') {
        $arr['post_category'] = array_map('ham_cat_id', $p['categories'] ?? []);
        // Tag names may contain commas only if passed as an array, which we do.
        $arr['tags_input'] = $p['tags'] ?? [];
    }
    $id = wp_insert_post(wp_slash($arr), true);
    if (is_wp_error($id)) {
        fwrite(STDERR, "post $i: " . $id->get_error_message() . "\n");
        $wpdb->query('ROLLBACK');
        exit(4);
    }
    // As when a post is written in the editor (auto-draft first): guid is /?p=ID, not the permalink.
    $wpdb->update($wpdb->posts, ['guid' => home_url('/?p=' . $id)], ['ID' => $id]);
    if (!empty($p['modified'])) {
        $wpdb->update($wpdb->posts, ['post_modified' => $p['modified'],
            'post_modified_gmt' => get_gmt_from_date($p['modified'])], ['ID' => $id]);
        clean_post_cache($id);
    }
    $ids[] = $id;
}
wp_defer_term_counting(false);
wp_defer_comment_counting(false);
$wpdb->query('COMMIT');
echo json_encode($ids), "\n";
